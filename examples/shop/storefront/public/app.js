// The storefront: plain JavaScript against the gateway's REST routes (the same paths the OpenAPI
// document lists). Sign-in is the authorization code flow with PKCE against the shop's provider;
// the access token lives in sessionStorage for this tab only.
const $ = (id) => document.getElementById(id);
const euros = (cents) => `€${(cents / 100).toFixed(2)}`;
const settings = await (await fetch('/storefront.json')).json();
const cart = new Map(); // productId → { product, quantity }
let products = [];

const b64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const token = () => sessionStorage.getItem('token');
const subject = () => {
  const t = token();
  return t ? JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub : undefined;
};

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (token()) headers.authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && token()) {
    sessionStorage.removeItem('token'); // expired: sign in again
    render();
  }
  const json = response.headers.get('content-type')?.includes('json') ? await response.json() : undefined;
  if (!response.ok) throw new Error(json?.detail ?? json?.title ?? `HTTP ${response.status}`);
  return json;
}

async function login() {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = b64url(crypto.getRandomValues(new Uint8Array(12)));
  sessionStorage.setItem('pkce', JSON.stringify({ verifier, state }));
  const url = new URL(`${settings.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    response_type: 'code',
    redirect_uri: `${location.origin}/callback`,
    scope: 'openid',
    resource: settings.audience,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  });
  location.assign(url);
}

async function finishLogin() {
  const params = new URLSearchParams(location.search);
  const pkce = JSON.parse(sessionStorage.getItem('pkce') ?? '{}');
  sessionStorage.removeItem('pkce');
  history.replaceState(null, '', '/');
  if (params.get('state') !== pkce.state || !params.get('code')) throw new Error('Sign-in failed: try again');
  const response = await fetch(`${settings.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: `${location.origin}/callback`,
      client_id: settings.clientId,
      code_verifier: pkce.verifier,
      resource: settings.audience,
    }),
  });
  const json = await response.json();
  if (!json.access_token) throw new Error(`Sign-in failed: ${json.error_description ?? json.error}`);
  sessionStorage.setItem('token', json.access_token);
}

function renderProducts() {
  $('products').replaceChildren(
    ...products.map((p) => {
      const li = document.createElement('li');
      li.dataset.product = p.id;
      const add = document.createElement('button');
      add.textContent = 'Add to cart';
      add.dataset.testid = `add-${p.id}`;
      add.onclick = () => {
        const line = cart.get(p.id) ?? { product: p, quantity: 0 };
        line.quantity = Math.min(10, line.quantity + 1);
        cart.set(p.id, line);
        renderCart();
      };
      li.append(
        text('strong', p.name),
        text('span', p.description),
        text('span', euros(p.price), 'price'),
        text('span', `${p.available} in stock`, 'stock'),
        add,
      );
      return li;
    }),
  );
}

function text(tag, value, className) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (className) el.className = className;
  return el;
}

function renderCart() {
  const lines = [...cart.values()];
  $('cart-lines').replaceChildren(
    ...lines.map((l) => {
      const li = text('li', `${l.quantity} × ${l.product.name}`);
      li.append(text('span', euros(l.quantity * l.product.price)));
      return li;
    }),
  );
  $('cart-total').textContent = euros(lines.reduce((s, l) => s + l.quantity * l.product.price, 0));
  $('place').disabled = lines.length === 0 || !token();
}

async function renderAccount() {
  const signedIn = Boolean(token());
  $('login').hidden = signedIn;
  $('logout').hidden = !signedIn;
  $('user').textContent = signedIn ? `Signed in as ${subject()}` : '';
  $('address').hidden = true;
  if (!signedIn) {
    $('orders').replaceChildren(text('li', 'Sign in to see your orders'));
    $('messages').replaceChildren();
    return;
  }
  const me = await api('GET', '/v1/me');
  $('address').hidden = me.addresses.length > 0;
  await Promise.all([renderOrders(), renderMessages()]);
}

async function renderOrders() {
  const { orders } = await api('GET', '/v1/orders');
  $('orders').replaceChildren(
    ...orders.map((o) => {
      const li = text(
        'li',
        `${new Date(o.placedAt).toLocaleTimeString()} · ${o.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')}`,
      );
      li.append(text('strong', `${o.status} ${euros(o.total)}`, `status-${o.status}`));
      return li;
    }),
  );
}

async function renderMessages() {
  const { messages } = await api('GET', '/v1/notifications');
  $('messages').replaceChildren(...messages.map((m) => text('li', `${m.subject}: ${m.body}`)));
}

async function addressId() {
  const me = await api('GET', '/v1/me');
  if (me.addresses.length > 0) return me.addresses[0].id;
  const form = new FormData($('address'));
  const created = await api('POST', '/v1/me/addresses', { label: 'Home', ...Object.fromEntries(form) });
  $('address').hidden = true;
  return created.id;
}

async function place() {
  $('error').textContent = '';
  $('place').disabled = true;
  try {
    const order = await api('POST', '/v1/orders', {
      requestId: crypto.randomUUID(), // the same id on a retry answers the same order
      addressId: await addressId(),
      lines: [...cart.values()].map((l) => ({ productId: l.product.id, quantity: l.quantity })),
    });
    cart.clear();
    renderCart();
    await watch(order.id);
  } catch (error) {
    $('error').textContent = error.message;
    renderCart();
  }
}

/** The order's status, live: a server stream relayed by the gateway as NDJSON. */
async function watch(id) {
  $('current').hidden = false;
  $('timeline').replaceChildren();
  const response = await fetch(`/v1/orders/${id}/watch`, {
    headers: { authorization: `Bearer ${token()}`, accept: 'application/x-ndjson' },
  });
  if (!response.ok) throw new Error(`Watching the order failed: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) show(JSON.parse(line));
      newline = buffer.indexOf('\n');
    }
  }
  await Promise.all([renderOrders(), renderMessages(), loadProducts()]);
}

function show(order) {
  const status = $('status');
  status.textContent = order.status;
  status.className = `status-${order.status}`;
  status.dataset.status = order.status;
  $('status-reason').textContent = order.reason ? `(${order.reason})` : '';
  $('timeline').append(text('li', `${new Date(order.updatedAt).toLocaleTimeString()} ${order.status}`));
}

async function loadProducts() {
  ({ products } = await api('GET', '/v1/products'));
  renderProducts();
}

function render() {
  renderCart();
  renderAccount().catch((error) => {
    $('error').textContent = error.message;
  });
}

$('login').onclick = () => login();
$('logout').onclick = () => {
  sessionStorage.removeItem('token');
  render();
};
$('place').onclick = () => place();
try {
  if (location.pathname === '/callback') await finishLogin();
} catch (error) {
  $('error').textContent = error.message;
}
await loadProducts();
render();
// A message is written when the notifications service consumes an event, a moment after the order
// changed (and after the order's watch ended): the mailbox is read again every few seconds while
// signed in and the tab is visible. A failed read is left to the next one.
setInterval(() => {
  if (token() && !document.hidden) renderMessages().catch(() => {});
}, 2_000);
document.body.dataset.ready = 'true';
