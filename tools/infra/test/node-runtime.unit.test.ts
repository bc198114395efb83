import { foreignNodeProblem, projectNodeMajor } from '../src/node-runtime';

describe('the Node a program that starts the services runs on', () => {
  it('when read from package.json, then it is the major of "engines" (24)', () => {
    expect(projectNodeMajor()).toBe(24);
  });

  it('when the program runs on that major, then there is no problem', () => {
    expect(foreignNodeProblem('bench', 'v24.21.0', 24)).toBeUndefined();
  });

  it('when it runs on another major, then the problem names both and how to start it', () => {
    expect(foreignNodeProblem('bench', 'v20.20.2', 24)).toBe(
      'bench needs Node 24 (package.json "engines"), not v20.20.2: start it through npm ' +
        "(npm start, npm run bench), which runs the project's own Node",
    );
  });
});
