import { MicroscopeError, type ModelVersion } from '@microscope/contracts';
import type { Catalog } from '@microscope/catalog';
import { listLayers, optvis, type Executor, type GraphIR, type LayerInfo } from '@microscope/engine';
import { encodePng } from '@microscope/imaging';
import type { Logger } from '@microscope/platform';
import type { BlobStore, Bus, Warehouse } from '@microscope/storage';
import type { ModelCache } from '../models/model-cache';
import type { ProgressReporter } from '../progress';
import { networkForward } from './model-input';

/** What every rendering job needs. The warehouse is only needed by tuning jobs, which store rows. */
export interface RenderJobDeps {
  catalog: Catalog;
  blobs: BlobStore;
  bus: Bus;
  models: ModelCache;
  log: Logger;
  warehouse?: Warehouse;
  /** Aborted when the worker stops: the job stops between steps and is redelivered (and resumes) later. */
  signal?: AbortSignal;
}

export interface LoadedLayer {
  version: ModelVersion;
  ir: GraphIR;
  executor: Executor;
  layer: LayerInfo;
  forward: optvis.ForwardFn;
}

/** The version, its executor and one of its layers, with an error naming the layers there are when it is unknown. */
export async function loadLayer(deps: RenderJobDeps, versionId: string, layerName: string): Promise<LoadedLayer> {
  const version = await deps.catalog.getVersionById(versionId);
  const { ir, executor } = await deps.models.get(version);
  const layers = listLayers(ir);
  const layer = layers.find((l) => l.name === layerName);
  if (!layer) {
    const names = layers.map((l) => l.name);
    throw new MicroscopeError('NOT_FOUND', `model version has no layer "${layerName}"; its layers are ${names.slice(0, 40).join(', ')}${names.length > 40 ? ', …' : ''}`);
  }
  return { version, ir, executor, layer, forward: networkForward(executor, version) };
}

export interface Picture {
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** Stores a rendered image as PNG. Channel counts PNG cannot hold are shown as the first channel (grey) or the first three. */
export async function storePicture(blobs: BlobStore, key: string, picture: Picture): Promise<void> {
  const { pixels, width, height, channels } = picture;
  let shown = pixels;
  let shownChannels: 1 | 3 | 4 = channels === 1 || channels === 3 || channels === 4 ? channels : channels === 2 ? 1 : 3;
  if (shownChannels !== channels) {
    shown = new Uint8Array(width * height * shownChannels);
    for (let p = 0; p < width * height; p++) for (let c = 0; c < shownChannels; c++) shown[p * shownChannels + c] = pixels[p * channels + c];
  }
  await blobs.put(key, await encodePng(shown, width, height, shownChannels), { contentType: 'image/png' });
}

/**
 * Progress of a job made of `total` equal pieces of work: reports after each piece, and within a piece at most
 * every `intervalMs`, so a long batch still moves the bar without flooding the progress topic. Reports are
 * chained, so they reach the bus in order (a late "step" report can never land after the job's last event);
 * `within` can be called from synchronous step callbacks.
 */
export class PieceProgress {
  private lastReport = 0;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly progress: ProgressReporter,
    private readonly total: number,
    /** The share of the job's progress this work covers (the rest is reported by the caller). */
    private readonly span = 1,
    private readonly intervalMs = 2000,
  ) {}

  within(done: number, fraction: number, message: string): void {
    const now = Date.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.enqueue(done + fraction, message);
  }

  async finished(done: number, message: string): Promise<void> {
    this.lastReport = Date.now();
    this.enqueue(done, message);
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private enqueue(done: number, message: string): void {
    const fraction = (this.span * done) / Math.max(1, this.total);
    // A failed report is kept for `finished` to throw, never left as an unhandled rejection.
    this.chain = this.chain.then(() => this.progress.report('running', fraction, message)).catch((e: unknown) => {
      this.failure ??= e;
    });
  }
}
