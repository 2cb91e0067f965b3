import { createTRPCClient, httpLink, splitLink, TRPCClientError } from '@trpc/client';
import { readFile } from 'node:fs/promises';
import type { ProductRouter } from '../start/product';
import { ANALYTICS_PROCEDURES } from '../start/trpc-routing';

export const DEFAULT_API = 'http://127.0.0.1:4300';

export function apiUrl(): string {
  return process.env.MICROSCOPE_API_URL ?? DEFAULT_API;
}

/**
 * A typed client of the API. In the single-process product one address serves everything; in distributed mode
 * MICROSCOPE_ANALYTICS_URL names the analytics app, and its procedures go there.
 */
export function createApiClient(url = apiUrl(), analyticsUrl = process.env.MICROSCOPE_ANALYTICS_URL ?? url) {
  return createTRPCClient<ProductRouter>({
    links: [
      splitLink({
        condition: (op) => ANALYTICS_PROCEDURES.test(op.path),
        true: httpLink({ url: `${analyticsUrl}/trpc` }),
        false: httpLink({ url: `${url}/trpc` }),
      }),
    ],
  });
}
export type ApiClient = ReturnType<typeof createApiClient>;

/** Uploads files to a new staging area and returns its id; the register call that follows consumes it. */
export async function uploadFiles(files: { name: string; path: string }[], url = apiUrl(), onFile?: (name: string) => void): Promise<string> {
  const begin = await request(`${url}/uploads`, { method: 'POST' });
  const { uploadId } = (await begin.json()) as { uploadId: string };
  for (const file of files) {
    await request(`${url}/uploads/${uploadId}/${encodeURIComponent(file.name)}`, { method: 'PUT', body: await readFile(file.path) });
    onFile?.(file.name);
  }
  return uploadId;
}

async function request(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw new Error(`cannot reach the Microscope API at ${new URL(url).origin} (${(e as Error).message}): is it running? Start it with "npm start" or set MICROSCOPE_API_URL`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    throw new Error(body.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return response;
}

/** A user-facing message for any error the client raises, without stack noise. */
export function describeError(e: unknown): string {
  if (e instanceof TRPCClientError) {
    const cause = (e as TRPCClientError<ProductRouter>).cause;
    if (cause && /fetch failed|ECONNREFUSED/.test(String(cause.message ?? cause))) {
      return `cannot reach the Microscope API at ${apiUrl()}: is it running? Start it with "npm start" or set MICROSCOPE_API_URL`;
    }
    const issues = (e.data as { issues?: { path: (string | number)[]; message: string }[] } | undefined)?.issues;
    if (issues?.length) return issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('\n');
    return e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
