/**
 * Who may create elections (spec/api.md §Creating elections; issue: one client created 1,766
 * elections in 40 s and took an official-looking id). With authority keys, only their signed
 * manifests create elections; without, only requests from loopback addresses; creations are
 * rate limited per client address. A refused creation writes nothing.
 */
import { afterAll, describe, expect, test } from "vitest";
import { BoardApiError, createElection } from "../../src/actors/index.js";
import { CreationGate } from "../../src/server/limits.js";
import { ApiError } from "../../src/server/errors.js";
import { manifestFor, newActors, startBoard, type TestBoard } from "./helpers.js";

const boards: TestBoard[] = [];
afterAll(async () => {
  for (const b of boards) await b.close();
});

async function refused(p: Promise<unknown>): Promise<BoardApiError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BoardApiError);
  return e as BoardApiError;
}

describe("creating elections", () => {
  test("with --authority: the listed authority creates, another key gets 403 and nothing is written", async () => {
    const official = newActors(1);
    const other = newActors(1);
    const tb = await startBoard({ authorities: [official.authority.publicKey] });
    boards.push(tb);
    const e = await refused(
      createElection(
        tb.client,
        manifestFor("mx-2024", other, { threshold: 1 }),
        other.authority.secretKey,
      ),
    );
    expect([e.status, e.code]).toEqual([403, "CREATION_NOT_ALLOWED"]);
    expect(tb.board.elections.size).toBe(0);
    expect(await (await fetch(`${tb.url}/elections`)).json()).toEqual([]);
    // the official authority then takes the id
    const ok = await createElection(
      tb.client,
      manifestFor("mx-2024", official, { threshold: 1 }),
      official.authority.secretKey,
    );
    expect(ok.index).toBe(0);
    expect(tb.board.elections.size).toBe(1);
  });

  test("rate limited per address: past the burst, 429 RATE_LIMITED and nothing is written", async () => {
    const tb = await startBoard({
      creationRate: { perSecond: 0.001, burst: 2 },
      limits: { rate: { onLoopback: true } },
    });
    boards.push(tb);
    for (const id of ["uno", "dos"]) {
      const a = newActors(1);
      await createElection(tb.client, manifestFor(id, a, { threshold: 1 }), a.authority.secretKey);
    }
    const a = newActors(1);
    const e = await refused(
      createElection(tb.client, manifestFor("tres", a, { threshold: 1 }), a.authority.secretKey),
    );
    expect([e.status, e.code]).toEqual([429, "RATE_LIMITED"]);
    expect([...tb.board.elections.keys()].sort()).toEqual(["dos", "uno"]);
  });

  test("without --authority: loopback only (the gate's decision by address)", () => {
    const gate = new CreationGate([], { perSecond: 0.1, burst: 10 });
    expect(gate.restricted).toBe(false);
    for (const addr of ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
      expect(() => gate.admit("any", addr)).not.toThrow();
    for (const addr of ["203.0.113.5", "2001:db8::1", undefined]) {
      let err: unknown;
      try {
        gate.admit("any", addr);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe("CREATION_NOT_ALLOWED");
    }
    // with a list, the address does not matter; the key does, and the rate applies off loopback
    const listed = new CreationGate(["K"], { perSecond: 1, burst: 1 });
    expect(() => listed.admit("K", "203.0.113.5", 0)).not.toThrow();
    expect(() => listed.admit("K", "203.0.113.5", 10)).toThrow(/too many elections/);
    expect(() => listed.admit("K", "203.0.113.5", 2_000)).not.toThrow();
    expect(() => listed.admit("L", "127.0.0.1")).toThrow(/authorities it was given/);
  });
});
