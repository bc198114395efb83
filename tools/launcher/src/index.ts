export { NodeProgram, adopt, type LineSink, type ProgramSpec } from './node-program';
export {
  GATEWAY_SCRIPT,
  LaunchedSystem,
  launchSystem,
  serviceScript,
  upstreamsVariable,
  type SystemSpec,
} from './system';
