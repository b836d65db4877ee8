// Global setup of the suite: under TSPLC_NO_SKIP=1 (set by .ci/run) a run that skipped any test
// fails, whatever made it skip — requireEnv() (test/env.ts) already throws for a missing tool,
// this also catches a bare `skipIf(!hasX)`, an `it.skip` left behind or an `it.todo`, so CI
// cannot pass by skipping. Lives in globalSetup (the main process, after every file) rather
// than in a reporter because `--reporter=…` on the command line replaces the configured
// reporters and would silently drop the check.
import type { TestProject } from 'vitest/node';

interface Task {
  readonly type: string;
  readonly name: string;
  readonly mode: string;
  readonly result?: { readonly state?: string };
  readonly tasks?: readonly Task[];
  readonly file?: { readonly filepath?: string };
}

function skippedTests(tasks: readonly Task[], path: readonly string[], out: string[]): void {
  for (const t of tasks) {
    const here = [...path, t.name];
    if (t.type === 'test' && (t.mode === 'skip' || t.mode === 'todo' || t.result?.state === 'skip' || t.result?.state === 'todo')) out.push(here.join(' > '));
    if (t.tasks) skippedTests(t.tasks, here, out);
  }
}

export default function setup(project: TestProject): () => void {
  return () => {
    if (process.env.TSPLC_NO_SKIP !== '1') return;
    // A name filter (-t) marks the tests it leaves out as skipped: that is a choice, not an environment skip.
    if (project.vitest.config.testNamePattern) return;
    const skipped: string[] = [];
    skippedTests(project.vitest.state.getFiles() as unknown as readonly Task[], [], skipped);
    if (skipped.length === 0) return;
    console.error(`\nTSPLC_NO_SKIP=1: ${skipped.length} test(s) skipped; in CI nothing may skip:\n${skipped.map((s) => `  - ${s}`).join('\n')}\n`);
    process.exitCode = 1;
  };
}
