// The committed offset of a partition only passes records that are done, whatever order they
// finish in, and the latest done offset wins while a commit is on its way.
import { describe, expect, it } from 'vitest';
import { type InRecord, PartitionWork } from '../src/partition-work.js';

function gate(): { wait: Promise<boolean>; open(done: boolean): void } {
  let open: (done: boolean) => void = () => {};
  const wait = new Promise<boolean>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('PartitionWork', () => {
  it('commits the highest contiguous done offset, never past a record still running or not done', async () => {
    const commits: bigint[] = [];
    const work = new PartitionWork(() => {});
    const gates = Array.from({ length: 6 }, gate);
    for (const [i, g] of gates.entries()) {
      const record: InRecord = {
        topic: 't',
        partition: 0,
        offset: BigInt(i),
        key: `k${i}`, // distinct keys: all run at once
        value: Buffer.from('{}'),
        headers: new Map(),
        commit: () => {
          commits.push(BigInt(i));
        },
      };
      work.add(
        record,
        () => g.wait,
        () => {},
      );
    }
    gates[2]?.open(true);
    gates[1]?.open(true);
    await tick();
    expect(commits).toEqual([]); // offset 0 still running
    gates[0]?.open(true);
    await tick();
    expect(commits).toEqual([2n]);
    gates[4]?.open(true);
    gates[3]?.open(false); // skipped: left for the next owner, nothing after it is committed
    gates[5]?.open(true);
    await tick();
    expect(commits).toEqual([2n]);
    expect(work.open).toBe(3);
    await work.flushed();
  });
});
