import type { EnvironmentInput } from '../charts/components';
import dev from './dev';
import prod from './prod';

/** Every environment synth renders. A test fails when an environments/*.ts file is missing here. */
export const environments: Record<string, EnvironmentInput> = { dev, prod };
