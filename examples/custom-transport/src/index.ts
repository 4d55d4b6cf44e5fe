// The example TCP transport, for its tests and for readers of docs/writing-a-transport.md.
export { type TcpTransportOptions, tcpTransport } from './tcp-transport.js';
