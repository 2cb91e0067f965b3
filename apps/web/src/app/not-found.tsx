import Link from 'next/link';
import { Missing } from '../components/Missing';

export default function NotFound() {
  return (
    <Missing title="Nothing lives at this address.">
      Permalinks name a study, a model, a version label, a layer and a unit; one of those does not exist (yet). <Link href="/">All studies</Link>
    </Missing>
  );
}
