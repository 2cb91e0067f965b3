/**
 * Permalinks. Every page's URL names what it shows by the names users chose — study, model, version label,
 * layer, unit — never by generated ids, so a link keeps working as the study grows. Pages of the study itself
 * that are not models live under "/-/", a segment no model can be called (names start with a letter or digit).
 */
export interface VersionPath {
  study: string;
  model: string;
  version: string;
}
export interface LayerPath extends VersionPath {
  layer: string;
}
export interface UnitPath extends LayerPath {
  unit: number;
}

/** What the compare page shows besides its two versions; every part is in its permalink. */
export interface CompareQuery {
  scope?: 'study';
  metric?: string;
  layer?: string;
  other?: string;
  dataset?: string;
}

const seg = (s: string) => encodeURIComponent(s);

/** Appends query parameters, skipping empty ones. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export const routes = {
  home: () => '/',
  study: (study: string) => `/studies/${seg(study)}`,
  version: (p: VersionPath, dataset?: string) => withQuery(`/studies/${seg(p.study)}/${seg(p.model)}/${seg(p.version)}`, { dataset }),
  layer: (p: LayerPath, query: { dataset?: string; sort?: string; dir?: string; pooling?: string } = {}) =>
    withQuery(`/studies/${seg(p.study)}/${seg(p.model)}/${seg(p.version)}/${seg(p.layer)}`, query),
  unit: (p: UnitPath, dataset?: string) =>
    withQuery(`/studies/${seg(p.study)}/${seg(p.model)}/${seg(p.version)}/${seg(p.layer)}/${p.unit}`, { dataset }),
  /** Two versions (`a` rows, `b` columns; `layer` × `other` the chosen cell), or with scope "study" every version. */
  compare: (study: string, a?: string, b?: string, view: CompareQuery = {}) =>
    withQuery(`/studies/${seg(study)}/-/compare`, { scope: view.scope, a, b, metric: view.metric, layer: view.layer, other: view.other, dataset: view.dataset }),
  upload: (study: string, kind?: 'model' | 'dataset') => withQuery(`/studies/${seg(study)}/-/upload`, { kind }),
  /** An image from the object store, through the dashboard's own origin (proxied to the API). */
  blob: (key: string) => `/blobs/${key.split('/').map(seg).join('/')}`,
};

/**
 * A dynamic route segment as the user named it. Next hands segments over still percent-encoded in some
 * versions and decoded in others; decoding a decoded name is harmless unless it holds a literal "%", which
 * names of layers and slugs never do.
 */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** "model@label", how the CLI and the compare page name a version. */
export function versionRef(model: string, version: string): string {
  return `${model}@${version}`;
}

export function parseVersionRef(ref: string | undefined | null): { model: string; version: string } | null {
  if (!ref) return null;
  const at = ref.lastIndexOf('@');
  if (at <= 0 || at === ref.length - 1) return null;
  return { model: ref.slice(0, at), version: ref.slice(at + 1) };
}

/** A unit index from a URL segment: a non-negative integer, or null. */
export function parseUnit(segment: string): number | null {
  return /^\d{1,9}$/.test(segment) ? Number(segment) : null;
}
