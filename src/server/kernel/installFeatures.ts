import type { Feature, FeatureApi, ShutdownPhase } from './Feature.js';
import type { Services } from './services.js';

/** What the kernel hands every feature, less the parts it makes per feature. */
export type KernelApi = Omit<FeatureApi, 'provide' | 'use' | 'onShutdown'>;

export interface InstalledFeatures {
  /** A service a feature provided (tests reach features through it). */
  readonly use: <K extends keyof Services>(name: K) => Services[K];
  /** Runs one shutdown phase's steps, in reverse install order; a failing step stops none. */
  readonly shutdown: (phase: ShutdownPhase) => Promise<void>;
}

/**
 * Installs the features in dependency order: each after every feature it `needs`, otherwise in
 * list order. A missing or circular dependency, or a name used twice, fails the start with one
 * line naming the feature.
 */
export async function installFeatures(
  features: readonly Feature[],
  kernel: KernelApi,
  onShutdownError: (error: unknown, feature: string) => void,
): Promise<InstalledFeatures> {
  const services = new Map<keyof Services, { feature: string; service: unknown }>();
  const steps: { phase: ShutdownPhase; feature: string; step: () => void | Promise<void> }[] = [];

  for (const feature of dependencyOrder(features)) {
    const needs = new Set(feature.needs);
    await feature.install({
      ...kernel,
      provide: (name, service) => {
        const taken = services.get(name);
        if (taken) throw new Error(`${feature.name} provides ${name}, which ${taken.feature} has`);
        services.set(name, { feature: feature.name, service });
      },
      use: (name) => {
        const provided = services.get(name);
        if (provided === undefined || !needs.has(provided.feature))
          throw new Error(`${feature.name} uses ${name} without needing the feature providing it`);
        return provided.service as Services[typeof name];
      },
      onShutdown: (phase, step) => {
        steps.push({ phase, feature: feature.name, step });
      },
    });
  }

  return {
    use: (name) => {
      const provided = services.get(name);
      if (provided === undefined) throw new Error(`No feature provides ${name}`);
      return provided.service as Services[typeof name];
    },
    shutdown: async (phase) => {
      for (const { feature, step } of steps.filter((s) => s.phase === phase).reverse()) {
        try {
          await step();
        } catch (error) {
          onShutdownError(error, feature);
        }
      }
    },
  };
}

/** The features with each one after those it needs (a depth-first topological sort). */
export function dependencyOrder(features: readonly Feature[]): Feature[] {
  const byName = new Map<string, Feature>();
  for (const feature of features) {
    if (byName.has(feature.name)) throw new Error(`Two features are named ${feature.name}`);
    byName.set(feature.name, feature);
  }
  const ordered: Feature[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (feature: Feature, path: readonly string[]) => {
    if (state.get(feature.name) === 'done') return;
    if (state.get(feature.name) === 'visiting')
      throw new Error(
        `Features need each other in a circle: ${[...path, feature.name].join(' → ')}`,
      );
    state.set(feature.name, 'visiting');
    for (const name of feature.needs ?? []) {
      const needed = byName.get(name);
      if (needed === undefined)
        throw new Error(`${feature.name} needs ${name}, which is not installed`);
      visit(needed, [...path, feature.name]);
    }
    state.set(feature.name, 'done');
    ordered.push(feature);
  };
  for (const feature of features) visit(feature, []);
  return ordered;
}
