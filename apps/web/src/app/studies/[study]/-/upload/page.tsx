import { decodeSegment } from '../../../../../lib/routes';
import { HydrateClient, prefetch, trpc } from '../../../../../trpc/server';
import { UploadView } from '../../../../../views/UploadView';

type Params = Promise<{ study: string }>;
type Search = Promise<{ kind?: string | string[] }>;

export async function generateMetadata({ params }: { params: Params }) {
  return { title: `Upload · ${decodeSegment((await params).study)}` };
}

export default async function UploadPage({ params, searchParams }: { params: Params; searchParams: Search }) {
  const study = decodeSegment((await params).study);
  const kind = (await searchParams).kind === 'dataset' ? 'dataset' : 'model';
  await prefetch(trpc.studies.get.queryOptions({ study }));
  return (
    <HydrateClient>
      <UploadView study={study} kind={kind} />
    </HydrateClient>
  );
}
