import http from 'node:http';
import { joinAnswers, planTrpcForward, type ForwardPart, type PartAnswer, type Service } from './trpc-routing';

/** Where each service answers. In the single-process product both are the one API address. */
export type ServiceUrls = Record<Service, URL>;

/** Hop-by-hop and length headers: a request or answer rebuilt here gets its own. */
const NOT_FORWARDED = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

/**
 * The dashboard server's forwarding of API paths (/trpc, /blobs, /uploads) to the services, bodies streamed both
 * ways (uploads can be large). tRPC calls go to the service that answers them (trpc-routing.ts); a batch naming
 * procedures of both services is split, sent to both, and answered as one.
 */
export function createApiProxy(services: ServiceUrls) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const split = services.ingest.origin !== services.analytics.origin;

  const stream = (target: URL, req: http.IncomingMessage, res: http.ServerResponse) => {
    const upstream = http.request(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host }, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      if (res.headersSent) return void res.destroy(e);
      res
        .writeHead(502, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: `the Microscope API at ${target.origin} is not reachable (${e.message}); is it running?` } }));
    });
    req.pipe(upstream);
  };

  /** Sends one part of a split batch and reads its JSON answer; never rejects (an unreachable service is an answer). */
  const send = (part: ForwardPart, req: http.IncomingMessage): Promise<PartAnswer> => {
    const target = services[part.service];
    const headers: http.OutgoingHttpHeaders = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !NOT_FORWARDED.has(name)));
    headers.host = target.host;
    if (part.body !== undefined) headers['content-length'] = Buffer.byteLength(part.body);
    return new Promise((resolve) => {
      const failed = (why: string) => resolve({ part, status: 502, results: null, failure: `${target.origin}: ${why}` });
      const upstream = http.request({ protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: part.path, headers, agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', (e) => failed(e.message));
        answer.on('end', () => {
          try {
            const results: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (!Array.isArray(results)) return failed(`answered ${answer.statusCode} without a batch`);
            resolve({ part, status: answer.statusCode ?? 502, results });
          } catch {
            failed(`answered ${answer.statusCode} with something other than JSON`);
          }
        });
      });
      upstream.on('error', (e) => failed(e.message));
      upstream.end(part.body);
    });
  };

  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!split || !req.url?.startsWith('/trpc/')) return stream(services.ingest, req, res);
    planTrpcForward(req.method ?? 'GET', req.url, () => readBody(req))
      .then(async (plan) => {
        if (plan.kind === 'whole') return stream(services[plan.service], req, res);
        const answers = await Promise.all(plan.parts.map((part) => send(part, req)));
        const joined = joinAnswers(answers, plan.calls);
        res.writeHead(joined.status, { 'content-type': 'application/json' }).end(joined.body);
      })
      .catch((e: unknown) => {
        if (res.headersSent) return void res.destroy(e as Error);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'INVALID_INPUT', message: `not a tRPC request: ${(e as Error).message}` } }));
      });
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
