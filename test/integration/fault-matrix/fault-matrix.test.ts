import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FaultTiming, injectFault } from "../../helpers/faults.ts";
import { createOrganization, type RecordedCall } from "../../helpers/harness.ts";
import { type Answer, type Outcome, type Rig, startRig } from "./drivers.ts";
import { backend, expectNoDanglingRecord, expectNoLeak, expectNoOrphan, orphansOf } from "./invariants.ts";
import { operations } from "./operations.ts";

let rig: Rig;

/** One row of the printed fault matrix per case that passed. */
const matrix: {
  operation: string;
  call: string;
  when: FaultTiming;
  first: Outcome;
  retry: Outcome;
  reconciler: string;
  invariants: string;
}[] = [];

/** The calls of each operation's no-fault run, in order: the cases must cover exactly these. */
const baseline = new Map<string, RecordedCall[]>();

const label = (command: string, nth: number, when: FaultTiming) => `${command}#${nth} ${when}`;

beforeAll(async () => {
  rig = await startRig();
  for (const operation of operations) {
    const target = await operation.prepare(rig, await createOrganization(rig.h));
    const start = rig.h.calls.length;
    const answer = await operation.send(target);
    expect(answer.outcome, answer.text).toBe(operation.success);
    baseline.set(operation.title, rig.h.calls.slice(start));
  }
});

afterAll(async () => {
  if (matrix.length > 0) {
    const rows = matrix.map(
      (r) =>
        `| ${r.operation} | ${r.call} | ${r.when} | ${r.first} | ${r.retry} | ${r.reconciler} | ${r.invariants} |`,
    );
    console.log(
      [
        `Fault matrix (${matrix.length} rows)`,
        "| operation | AWS call | fails | first answer | retry | reconciler | invariants |",
        "|---|---|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
  }
  await rig?.close();
});

for (const operation of operations) {
  describe(`${operation.title} under a failed AWS call, then an identical retry and the reconciler`, () => {
    it("covers every AWS call of the no-fault run, failed before and after it is applied", () => {
      const calls = baseline.get(operation.title) ?? [];
      expect(calls.length).toBeGreaterThan(0);
      const seen = new Map<string, number>();
      const expected = calls.flatMap(({ command }) => {
        const nth = (seen.get(command) ?? 0) + 1;
        seen.set(command, nth);
        return (["before", "after"] as const).map((when) => label(command, nth, when));
      });
      const covered = operation.cases.map((c) => label(c.call, c.nth ?? 1, c.when));
      expect(covered.sort()).toEqual(expected.sort());
    });

    for (const scenario of operation.cases) {
      const call = `${scenario.call}${scenario.nth ? `#${scenario.nth}` : ""}`;
      const name = `${call} failing ${scenario.when} it is applied → ${operation.failure}, then the retry → ${scenario.retry}: ${scenario.why}`;
      it(name, async () => {
        // Prepare: a new organization, and the command's client from the no-fault run.
        const target = await operation.prepare(rig, await createOrganization(rig.h));
        const recorded = baseline.get(operation.title)?.find((call) => call.command === scenario.call);
        expect(recorded, `${scenario.call} is not among the calls of the no-fault run`).toBeDefined();
        const options = { command: scenario.call, when: scenario.when, nth: scenario.nth ?? 1 };
        const fault =
          recorded?.service === "dynamodb"
            ? injectFault(rig.h.services.clients.dynamo, options)
            : injectFault(rig.h.services.clients.secrets, options);

        // Act: the failed attempt.
        let first: Answer;
        try {
          first = await operation.send(target);
        } finally {
          fault.remove();
        }

        // Assess: a transient failure, and no record points at a missing secret even now.
        expect(fault.fired, "the fault fired exactly once").toBe(1);
        expect(first.outcome, first.text).toBe(operation.failure);
        await operation.expectFailure(first, target);
        expectNoDanglingRecord(await backend(rig, target.org.id));

        // Act: the identical retry.
        const retry = await operation.send(target);
        expect(retry.outcome, retry.text).toBe(scenario.retry);
        const settled = await backend(rig, target.org.id);
        expectNoDanglingRecord(settled);

        // Act: one reconciler run, with no grace period, so that any orphan is due.
        const report = await rig.h.services.reconciler.run({ graceMs: 0 });

        // Assess: it removed exactly the orphans the code path left, and left the records alone.
        expect(report.failures).toEqual([]);
        const state = await backend(rig, target.org.id);
        expect(state.records, "the reconciler leaves a correct end state alone").toEqual(settled.records);
        const removed = orphansOf(settled).filter((name) => !orphansOf(state).includes(name));
        expect(orphansOf(settled), "orphans after the retry").toHaveLength(scenario.orphans ?? 0);
        expect(removed, "orphans the reconciler scheduled for deletion").toEqual(orphansOf(settled));

        // Assess: the invariants, then the operation's own end state.
        expectNoDanglingRecord(state);
        expectNoOrphan(state);
        await rig.h.edge.stream.drain();
        expectNoLeak(
          target,
          first.text,
          retry.text,
          JSON.stringify(state.items),
          JSON.stringify(rig.h.edge.events.events),
        );
        await operation.settle(target, state, scenario, retry);
        matrix.push({
          operation: operation.title,
          call,
          when: scenario.when,
          first: first.outcome,
          retry: retry.outcome,
          reconciler: removed.length > 0 ? `scheduled ${removed.length} orphan(s)` : "nothing to do",
          invariants: ["no orphan", "no dangling ARN", operation.invariant, "no canary"]
            .filter(Boolean)
            .join(", "),
        });
      });
    }
  });
}
