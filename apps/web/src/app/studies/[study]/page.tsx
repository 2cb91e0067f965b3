import { decodeSegment } from '../../../lib/routes';
import { HydrateClient, prefetch, trpc } from '../../../trpc/server';
import { StudyView } from '../../../views/StudyView';

type Params = Promise<{ study: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  return { title: decodeSegment((await params).study) };
}

export default async function StudyPage({ params }: { params: Params }) {
  const study = decodeSegment((await params).study);
  await prefetch(trpc.studies.get.queryOptions({ study }));
  return (
    <HydrateClient>
      <StudyView study={study} />
    </HydrateClient>
  );
}
