import { notFound } from 'next/navigation';
import { decodeSegment, parseUnit, versionRef } from '../../../../../../../lib/routes';
import { defaultDataset, HydrateClient, prefetch, trpc } from '../../../../../../../trpc/server';
import { UnitView } from '../../../../../../../views/UnitView';

type Params = Promise<{ study: string; model: string; version: string; layer: string; unit: string }>;
type Search = Promise<{ dataset?: string | string[] }>;

async function read(params: Params) {
  const p = await params;
  const unit = parseUnit(p.unit);
  if (unit === null) notFound();
  return { study: decodeSegment(p.study), model: decodeSegment(p.model), version: decodeSegment(p.version), layer: decodeSegment(p.layer), unit };
}

export async function generateMetadata({ params }: { params: Params }) {
  const r = await read(params);
  return { title: `Unit ${r.unit} of ${r.layer} · ${versionRef(r.model, r.version)}` };
}

export default async function UnitPage({ params, searchParams }: { params: Params; searchParams: Search }) {
  const path = await read(params);
  const raw = (await searchParams).dataset;
  const dataset = typeof raw === 'string' ? raw : await defaultDataset(path.study, path.model, path.version);
  const ref = { study: path.study, model: path.model, version: path.version };
  await prefetch(
    trpc.units.get.queryOptions({ ...ref, layer: path.layer, unit: path.unit, dataset }),
    trpc.renders.forUnit.queryOptions({ ...ref, layer: path.layer, unit: path.unit }),
    trpc.studies.get.queryOptions({ study: path.study }),
    trpc.jobs.list.queryOptions({ study: path.study }),
    trpc.tuning.forUnit.queryOptions({ ...ref, layer: path.layer, unit: path.unit }),
    ...(dataset ? [trpc.compare.unitMatches.queryOptions({ ...ref, layer: path.layer, unit: path.unit, dataset, k: 3 })] : []),
  );
  return (
    <HydrateClient>
      <UnitView path={path} dataset={dataset} />
    </HydrateClient>
  );
}
