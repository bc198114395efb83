// Every integration file's turn on the machine (jest.config.js, setupFilesAfterEnv): a file marked
// `@heavy` runs alone, the others side by side (heavy-turn.ts says why).
import fs from 'node:fs';
import path from 'node:path';
import { HEAVY_TURN_WAIT_MS, heavyTurn, lightTurn } from './heavy-turn';

const testPath = expect.getState().testPath ?? 'an unnamed test file';
const heavy =
  fs.existsSync(testPath) && /^\/\/ @slow \d+ @heavy/.test(fs.readFileSync(testPath, 'utf8'));
const what = path.relative(path.resolve(__dirname, '..', '..', '..'), testPath);
let release: (() => void) | undefined;

beforeAll(async () => {
  release = await (heavy ? heavyTurn : lightTurn)(what);
}, HEAVY_TURN_WAIT_MS + 10_000);

afterAll(() => release?.());
