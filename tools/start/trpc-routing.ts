/**
 * Which service answers which tRPC procedure, and how a /trpc request is forwarded when ingest and analytics run
 * at different addresses (distributed mode). A batched request (`/trpc/a,b?batch=1`) may name procedures of both:
 * it is split into one batch per service and the answers are put back together in the caller's order.
 */

export type Service = 'ingest' | 'analytics';

/**
 * Procedures the analytics app answers; everything else is ingest's. The same rule is written in
 * tools/cli/api-client.ts and apps/web/src/trpc/server.tsx; trpc-routing.spec.ts checks all three against the
 * routers themselves.
 */
export const ANALYTICS_PROCEDURES = /^(units|unitStats|layers|compare|tuning)\./;

export const serviceOf = (procedure: string): Service => (ANALYTICS_PROCEDURES.test(procedure) ? 'analytics' : 'ingest');

/** One request to send: to `service`, at `path` (with its query string), carrying `body` when it is a batch POST. */
export interface ForwardPart {
  service: Service;
  path: string;
  /** Positions in the original batch of the calls this part carries, in order, and their procedures. */
  indices: number[];
  procedures: string[];
  /** The part's own batch body (POST only). */
  body?: string;
}

/** How to forward a /trpc request: as it is to one service, or split into one batch per service. */
export type ForwardPlan = { kind: 'whole'; service: Service } | { kind: 'split'; parts: ForwardPart[]; calls: number };

/**
 * Plans the forwarding of `url` (path and query of a /trpc request). A request whose procedures all belong to one
 * service goes there untouched (streamed, whatever its size); only a mixed batch is split, which for a POST needs
 * its body (`readBody` is called only then).
 */
export async function planTrpcForward(method: string, url: string, readBody: () => Promise<string>): Promise<ForwardPlan> {
  const parsed = new URL(url, 'http://dashboard');
  const procedures = decodeURIComponent(parsed.pathname.replace(/^\/trpc\/?/, '')).split(',');
  const services = procedures.map(serviceOf);
  const batch = parsed.searchParams.get('batch') === '1' || parsed.searchParams.get('batch') === 'true';
  if (!batch || services.every((s) => s === services[0])) return { kind: 'whole', service: services[0] };

  const isPost = method.toUpperCase() === 'POST';
  const inputs = batchInputs(isPost ? await readBody() : parsed.searchParams.get('input')!);
  const parts: ForwardPart[] = [];
  for (const service of ['ingest', 'analytics'] as const) {
    const indices = services.flatMap((s, i) => (s === service ? [i] : []));
    if (!indices.length) continue;
    // Renumbered from 0; calls without input stay without one.
    const subset: Record<string, unknown> = {};
    indices.forEach((original, j) => {
      if (String(original) in inputs) subset[String(j)] = inputs[String(original)];
    });
    const query = new URLSearchParams(parsed.searchParams);
    query.delete('input');
    if (!isPost) query.set('input', JSON.stringify(subset));
    const path = `/trpc/${indices.map((i) => encodeURIComponent(procedures[i])).join(',')}?${query.toString()}`;
    parts.push({ service, path, indices, procedures: indices.map((i) => procedures[i]), ...(isPost ? { body: JSON.stringify(subset) } : {}) });
  }
  return { kind: 'split', parts, calls: procedures.length };
}

function batchInputs(text: string): Record<string, unknown> {
  if (!text) return {};
  const value: unknown = JSON.parse(text);
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** One part's answer: its HTTP status and the batch's JSON array of results (or null if the service was unreachable). */
export interface PartAnswer {
  part: ForwardPart;
  status: number;
  results: unknown[] | null;
  /** Why there are no results, for the calls' error message. */
  failure?: string;
}

/**
 * The answers of a split batch as one: results in the caller's order, the common status or 207 (tRPC's own
 * status for a batch whose calls ended differently). A part that did not answer gives each of its calls a tRPC
 * error naming the service, so the rest of the page still shows.
 */
export function joinAnswers(answers: PartAnswer[], calls: number): { status: number; body: string } {
  const results = new Array<unknown>(calls);
  const statuses = new Set<number>();
  for (const answer of answers) {
    statuses.add(answer.status);
    answer.part.indices.forEach((original, j) => {
      results[original] = answer.results?.[j] ?? unavailable(answer.part.service, answer.part.procedures[j], answer.failure ?? 'no answer for this call');
    });
  }
  return { status: statuses.size === 1 ? [...statuses][0] : 207, body: JSON.stringify(results) };
}

/** A tRPC error result in the shape our API's error formatter gives (libs/platform/src/trpc.ts). */
function unavailable(service: Service, procedure: string, why: string) {
  return {
    error: {
      message: `the ${service} service did not answer (${why})`,
      code: -32603,
      data: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503, path: procedure, microscopeCode: 'UNAVAILABLE' },
    },
  };
}
