import { defineQuery } from '@temporalio/workflow';
import type { ModelRetrainStatus } from './types';

export const retrainStatusQuery = defineQuery<ModelRetrainStatus>('status');
