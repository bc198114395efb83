import fs from 'node:fs';
import path from 'node:path';
import { endpointProblem, tracingRequested } from '@ticketing/telemetry';
import { ROOT, ours, podOf, rendered, type Manifest } from './manifests';

// What platform teams watch: traces sent where each overlay says, alerts on exported metrics.

describe.each([
  ['base', undefined],
  ['overlays/dev', 'http://jaeger:4318'],
  ['overlays/prod', 'http://otel-collector.observability.svc:4318'],
] as const)('tracing in %s', (target, endpoint) => {
  it(`when rendered, then every program sends its traces to ${endpoint ?? 'nobody'} over OTLP/HTTP`, () => {
    const docs = rendered(target);
    const telemetry = docs.find(
      (d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('ticketing-telemetry'),
    ) as Manifest & { data: Record<string, string> };
    expect(telemetry.data.OTEL_EXPORTER_OTLP_ENDPOINT || undefined).toBe(endpoint);
    expect(endpointProblem(telemetry.data)).toBeUndefined();
    expect(tracingRequested(telemetry.data)).toBe(endpoint !== undefined);
    for (const d of ours(docs, 'Deployment'))
      expect(podOf(d).containers[0]!.envFrom).toContainEqual({
        configMapRef: { name: telemetry.metadata.name },
      });
  });
});

describe('alerts (prod overlay)', () => {
  const rule = rendered('overlays/prod').find((d) => d.kind === 'PrometheusRule') as
    (Manifest & { spec: { groups: { rules: { alert: string; expr: string }[] }[] } }) | undefined;
  const rules = rule?.spec.groups.flatMap((g) => g.rules) ?? [];
  const sources = ['libs', 'services', 'gateway']
    .flatMap((dir) => sourceFiles(path.join(ROOT, dir)))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');

  it('when rendered, then it pages for lag growing, a stalled or absent consumer, dead letters and stuck sagas', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'TicketingConsumerDown',
      'TicketingConsumerLagGrowing',
      'TicketingConsumerStalled',
      'TicketingDeadLetters',
      'TicketingSagaPastDeadline',
    ]);
  });

  it.each(rules.map((r) => [r.alert, r.expr]))(
    'when %s is evaluated, then every metric it reads is one the services export',
    (_alert, expr) => {
      const metrics = [...expr.matchAll(/\b([a-z][a-z0-9_]*)(?=[{[)\s])/g)]
        .map((m) => m[1]!)
        .filter((m) => m.includes('_'));
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics)
        expect({ metric, exported: sources.includes(`'${metric}'`) }).toEqual({
          metric,
          exported: true,
        });
    },
  );
});

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory())
      return ['node_modules', 'dist', 'test'].includes(e.name) ? [] : sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}
