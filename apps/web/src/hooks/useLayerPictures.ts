'use client';

import { useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import { layerKey, pictureByUnit } from '../lib/pictures';
import { useTRPC } from '../trpc/react';

export interface LayerRef {
  model: string;
  version: string;
  layer: string;
}

/**
 * The stored pictures of several layers (one renders query per distinct layer, however many units of it a page
 * shows), as a lookup of a unit's lead picture. Layers whose listing failed simply have none.
 */
export function useLayerPictures(study: string, layers: readonly LayerRef[]): (ref: LayerRef, unit: number) => string | undefined {
  const trpc = useTRPC();
  const distinct = useMemo(() => [...new Map(layers.map((l) => [layerKey(l.model, l.version, l.layer), l])).values()], [layers]);
  const results = useQueries({ queries: distinct.map((l) => trpc.renders.forLayer.queryOptions({ study, ...l })) });
  const byLayer = new Map<string, Map<number, string>>();
  distinct.forEach((l, i) => {
    const data = results[i]?.data;
    if (data) byLayer.set(layerKey(l.model, l.version, l.layer), pictureByUnit(data.units));
  });
  return (ref, unit) => byLayer.get(layerKey(ref.model, ref.version, ref.layer))?.get(unit);
}
