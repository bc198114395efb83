import fs from 'node:fs';
import path from 'node:path';
import { K8S, podOf, rendered } from './manifests';

// The production overlay is sized from a capacity plan (docs/capacity.md, "The manifests"): the
// plan rehearsals' costs give for the sale the overlay is for, kept beside it as JSON by
// `npm run rehearse -- --plan … --write deploy/k8s/overlays/prod/capacity-plan.json`.

interface PlannedComponent {
  component: string;
  peakCores: number;
  instances?: number;
  coresPerInstance?: number;
}
interface CapacityPlan {
  target: { fans: number; seats: number; minutes: number };
  components: PlannedComponent[];
  source: string;
}
type Hpa = {
  scaleTargetRef: { name: string };
  minReplicas: number;
  maxReplicas: number;
  metrics: { resource: { name: string; target: { averageUtilization: number } } }[];
};

const PLAN_FILE = path.join(K8S, 'overlays/prod/capacity-plan.json');
const plan = JSON.parse(fs.readFileSync(PLAN_FILE, 'utf8')) as CapacityPlan;
const services = plan.components.filter((c) => c.instances !== undefined);

const millicores = (cpu: string) =>
  cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Math.round(Number(cpu) * 1000);

describe('the production overlay, sized from its capacity plan', () => {
  const docs = rendered('overlays/prod');
  const hpaOf = (name: string) =>
    docs.find((d) => d.kind === 'HorizontalPodAutoscaler' && d.metadata.name === name)!.spec as Hpa;
  const mainContainerOf = (name: string) =>
    podOf(docs.find((d) => d.kind === 'Deployment' && d.metadata.name === name)!).containers[0]!;

  it('when read, then the plan sizes the gateway and every service, from named rehearsals', () => {
    expect(services.map((s) => s.component).sort()).toEqual(
      ['concert', 'gateway', 'payment', 'queue', 'reservation', 'wallet'].sort(),
    );
    // One run's report, or several runs of one sale fitted together (comma-separated).
    for (const report of plan.source.split(', ')) expect(report).toMatch(/^rehearsal-.+\.json$/);
  });

  it.each(services.map((s) => [s.component, s] as const))(
    'when rendered, then %s requests the cores an instance runs at the peak over its HPA target, and its HPA may reach the planned instances',
    (name, planned) => {
      const hpa = hpaOf(name);
      const target = hpa.metrics.find((m) => m.resource.name === 'cpu')!.resource.target;
      const resources = mainContainerOf(name).resources!;
      // At the planned instances and the peak, each runs at its target utilisation: the HPA
      // holds the planned count there and adds instances past it.
      // In hundredths of a core, whole numbers: 0.56 / 0.7 is 0.8000000000000002 in floating point.
      const hundredths = Math.round(planned.coresPerInstance! * 100);
      const request = Math.ceil((hundredths * 100) / target.averageUtilization) * 10;
      expect({ name, request: millicores(resources.requests!.cpu!) }).toEqual({ name, request });
      expect(millicores(resources.limits!.cpu!)).toBeGreaterThanOrEqual(request);
      expect(hpa.maxReplicas).toBeGreaterThanOrEqual(planned.instances!);
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    },
  );
});
