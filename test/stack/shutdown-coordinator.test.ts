import { describe, it, expect } from 'vitest';
import { createActor } from 'xstate';
import { shutdownCoordinatorMachine, type SequenceResult } from '../../machines/shutdown-coordinator/index.js';

function coordinator() {
  const started: string[] = [];
  const answers: SequenceResult[] = [];
  const actor = createActor(
    shutdownCoordinatorMachine.provide({
      actions: {
        startSequence: (_, p) => started.push(p.reason),
        answerManager: (_, p) => answers.push(p),
      },
    }),
  ).start();
  return { actor, started, answers };
}

describe('shutdown coordinator (one SafeShutdownSequence at a time, one answer per manager wait)', () => {
  it('starts one sequence for a manager request and answers the manager with its result', () => {
    const { actor, started, answers } = coordinator();
    actor.send({ type: 'REQUEST', from: 'manager', reason: 'unplugged' });
    expect(started).toEqual(['unplugged']);
    expect(actor.getSnapshot().hasTag('running')).toBe(true);
    actor.send({ type: 'SEQUENCE.SETTLED', result: { ok: false } });
    expect(answers).toEqual([{ ok: false }]);
    expect(actor.getSnapshot().value).toBe('idle');
  });

  it('joins a second request to the run in progress instead of starting another', () => {
    const { actor, started, answers } = coordinator();
    actor.send({ type: 'REQUEST', from: 'session', reason: 'EVSE_Shutdown' });
    actor.send({ type: 'REQUEST', from: 'manager', reason: 'session ended' });
    actor.send({ type: 'REQUEST', from: 'session', reason: 'again' });
    expect(started).toEqual(['EVSE_Shutdown']);
    actor.send({ type: 'SEQUENCE.SETTLED', result: { ok: true } });
    expect(answers).toEqual([{ ok: true }]);
  });

  it('answers a manager that asks after the session’s own run ended, without a new sequence', () => {
    const { actor, started, answers } = coordinator();
    actor.send({ type: 'REQUEST', from: 'session', reason: 'EVSE_Shutdown' });
    actor.send({ type: 'SEQUENCE.SETTLED', result: { ok: true } });
    expect(answers).toEqual([]);
    actor.send({ type: 'REQUEST', from: 'manager', reason: 'session ended' });
    expect(started).toEqual(['EVSE_Shutdown']);
    expect(answers).toEqual([{ ok: true }]);
    // The next request (the next attempt's unplug) is a new sequence.
    actor.send({ type: 'REQUEST', from: 'manager', reason: 'unplugged' });
    expect(started).toEqual(['EVSE_Shutdown', 'unplugged']);
  });

  it('forgets the kept answer when a new session starts', () => {
    const { actor, started, answers } = coordinator();
    actor.send({ type: 'REQUEST', from: 'session', reason: 'fault' });
    actor.send({ type: 'SEQUENCE.SETTLED', result: { ok: true } });
    actor.send({ type: 'SESSION.STARTED' });
    actor.send({ type: 'REQUEST', from: 'manager', reason: 'unplugged' });
    expect(started).toEqual(['fault', 'unplugged']);
    expect(answers).toEqual([]);
  });
});
