/**
 * The server's validation errors, placed next to the form field they are about. tRPC errors carry zod issues
 * (with the path of the offending input) or our MicroscopeError code; byte routes (uploads) answer
 * `{ error: { code, message } }`. Whatever cannot be placed on a field goes to the form as a whole.
 */
export interface ServerIssue {
  path: readonly PropertyKey[];
  message: string;
}

export interface ServerErrorInfo {
  message: string;
  code?: string;
  issues?: ServerIssue[];
}

export type FieldErrors<F extends string> = Partial<Record<F | 'form', string>>;

/** Reads what we know from a TRPCClientError, an UploadError or any Error. */
export function serverErrorInfo(error: unknown): ServerErrorInfo {
  if (!error || typeof error !== 'object') return { message: String(error) };
  const e = error as { message?: unknown; code?: unknown; data?: { microscopeCode?: unknown; issues?: unknown; code?: unknown } | null };
  const issues = Array.isArray(e.data?.issues) ? (e.data!.issues as ServerIssue[]).filter((i) => i && typeof i.message === 'string' && Array.isArray(i.path)) : undefined;
  const code = typeof e.data?.microscopeCode === 'string' ? e.data.microscopeCode : typeof e.code === 'string' ? e.code : undefined;
  return { message: typeof e.message === 'string' ? e.message : 'request failed', code, issues: issues?.length ? issues : undefined };
}

export function fieldErrors<F extends string>(
  error: unknown,
  place: { fieldOfPath: (path: readonly PropertyKey[]) => F | undefined; fieldOfCode: Partial<Record<string, F>> },
): FieldErrors<F> {
  const info = serverErrorInfo(error);
  const out: FieldErrors<F> = {};
  const add = (field: F | 'form', message: string) => {
    out[field] = out[field] ? `${out[field]}; ${message}` : message;
  };
  if (info.issues) {
    for (const issue of info.issues) {
      const field = place.fieldOfPath(issue.path);
      add(field ?? 'form', field ? issue.message : `${issue.path.map(String).join('.') || 'input'}: ${issue.message}`);
    }
    return out;
  }
  const field = info.code ? place.fieldOfCode[info.code] : undefined;
  add(field ?? 'form', info.message);
  return out;
}

/** An upload route's refusal, with the server's code so it can be placed on the file field. */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/** Turns a byte route's error response body into an UploadError. */
export async function uploadErrorFrom(response: { status: number; json(): Promise<unknown> }, fileName: string): Promise<UploadError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new UploadError(body.error.code ?? 'INTERNAL', body.error.message);
  } catch {
    // Not JSON: fall through to the status.
  }
  return new UploadError(response.status === 413 ? 'TOO_LARGE' : 'INTERNAL', `uploading ${fileName} failed (HTTP ${response.status})`);
}
