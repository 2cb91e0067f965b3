/** Choosing which stored picture stands for a unit or a layer, from the renders API's lists (newest first). */
export interface StoredRender {
  unit: number | 'layer' | 'caricature';
  objective: string;
  key: string;
}

/** The objective a unit's page and tiles lead with: Microscope's channel visualization. */
const LEAD_OBJECTIVE = 'channel';

/** One picture per unit: the newest channel visualization if there is one, else the newest of any objective. */
export function pictureByUnit(units: readonly { unit: number; renders: readonly StoredRender[] }[]): Map<number, string> {
  const pictures = new Map<number, string>();
  for (const { unit, renders } of units) {
    const lead = renders.find((r) => r.objective === LEAD_OBJECTIVE) ?? renders[0];
    if (lead) pictures.set(unit, lead.key);
  }
  return pictures;
}

/** The newest DeepDream of a layer (its whole-layer pictures whose unit is "layer"), if any. */
export function layerDream(layerRenders: readonly StoredRender[]): string | undefined {
  return layerRenders.find((r) => r.unit === 'layer')?.key;
}

/** A key for one layer of one version, for maps of pictures across versions. */
export const layerKey = (model: string, version: string, layer: string): string => JSON.stringify([model, version, layer]);

/** A unit's pictures with one per objective (the newest: renders with other settings are older takes on it). */
export function newestPerObjective<R extends StoredRender>(renders: readonly R[]): R[] {
  const seen = new Set<string>();
  return renders.filter((r) => !seen.has(r.objective) && seen.add(r.objective));
}

/** Whether a visualize job covers a unit: it names the unit, or names none (the whole layer). */
export function coversUnit(params: { units?: readonly number[] }, unit: number): boolean {
  return !params.units?.length || params.units.includes(unit);
}
