import { decodeSegment, parseVersionRef } from '../../../../../lib/routes';
import { HydrateClient, prefetch, trpc } from '../../../../../trpc/server';
import { CompareView } from '../../../../../views/CompareView';

type Params = Promise<{ study: string }>;
type Search = Promise<{ a?: string | string[]; b?: string | string[] }>;

export async function generateMetadata({ params }: { params: Params }) {
  return { title: `Compare · ${decodeSegment((await params).study)}` };
}

export default async function ComparePage({ params, searchParams }: { params: Params; searchParams: Search }) {
  const study = decodeSegment((await params).study);
  const q = await searchParams;
  const a = typeof q.a === 'string' ? q.a : undefined;
  const b = typeof q.b === 'string' ? q.b : undefined;
  const refs = [parseVersionRef(a), parseVersionRef(b)].filter((r) => r !== null);
  await prefetch(trpc.studies.get.queryOptions({ study }), ...refs.map((r) => trpc.versions.get.queryOptions({ study, ...r })));
  return (
    <HydrateClient>
      <CompareView study={study} a={a} b={b} />
    </HydrateClient>
  );
}
