/**
 * A test never skips silently: a missing prerequisite is a failure that says what is missing.
 * The only way around one, on a developer's machine, is an opt-out variable naming it
 * (`TEST_OPT_OUT=design-contract,java`). Under CI (`CI` set, as `.ci/run` does) the opt-out is
 * ignored: a missing prerequisite there always fails with its reason.
 */
export type Prerequisite = 'design-contract' | 'java' | 'chromium';

export function optedOut(
  prerequisite: Prerequisite,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.CI && env.CI !== 'false') return false;
  return (env.TEST_OPT_OUT ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(prerequisite);
}

/** `describe`, or `describe.skip` only when the prerequisite was opted out of by name. */
export function describeNeeding(
  prerequisite: Prerequisite,
  present: boolean,
  why: string,
): jest.Describe {
  if (present) return describe;
  if (optedOut(prerequisite)) return describe.skip;
  return ((name: string) =>
    describe(name, () => {
      it(`needs ${prerequisite}`, () => {
        throw new Error(
          `${why} (TEST_OPT_OUT=${prerequisite} skips this suite where that is expected)`,
        );
      });
    })) as unknown as jest.Describe;
}
