import { HydrateClient, prefetch, trpc } from '../trpc/server';
import { StudiesView } from '../views/StudiesView';

export const metadata = { title: 'Studies' };

export default async function StudiesPage() {
  await prefetch(trpc.studies.list.queryOptions());
  return (
    <HydrateClient>
      <StudiesView />
    </HydrateClient>
  );
}
