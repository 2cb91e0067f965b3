import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
// The API's type only: nothing of the server is bundled into the dashboard.
import type { ProductRouter } from '../../../../tools/start/product';

export type { ProductRouter };
export type ApiOutputs = inferRouterOutputs<ProductRouter>;
export type ApiInputs = inferRouterInputs<ProductRouter>;

export type StudyDetail = ApiOutputs['studies']['get'];
export type VersionDetail = ApiOutputs['versions']['get'];
export type UnitDetail = ApiOutputs['units']['get'];
export type LayerUnitStats = ApiOutputs['unitStats']['byLayer'];
export type RenderList = ApiOutputs['renders']['list'];
export type JobView = ApiOutputs['jobs']['list'][number];
