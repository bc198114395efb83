import { sampleOf } from '../src/metrics';

const TEXT = `# HELP identity_proofs_total Identities the gateway vouched for
# TYPE identity_proofs_total counter
identity_proofs_total{service="queue",outcome="accepted"} 3
identity_proofs_total{service="queue",outcome="refused"} 2
identity_proofs_totally_else 9
payment_sagas_overdue 0
`;

describe('a sample of /metrics', () => {
  it('when the series with those labels is there, then its value', () => {
    expect(sampleOf(TEXT, 'identity_proofs_total', { outcome: 'accepted' })).toBe(3);
    expect(sampleOf(TEXT, 'identity_proofs_total', { outcome: 'refused' })).toBe(2);
    expect(sampleOf(TEXT, 'payment_sagas_overdue')).toBe(0);
  });

  it('when no series has that name or those labels, then 0, never another metric of a longer name', () => {
    expect(sampleOf(TEXT, 'identity_proofs_total', { outcome: 'other' })).toBe(0);
    expect(sampleOf(TEXT, 'identity_proofs')).toBe(0);
    expect(sampleOf('', 'identity_proofs_total')).toBe(0);
  });
});
