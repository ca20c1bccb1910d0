// Task queues derived from the worker's main one (TEMPORAL_TASK_QUEUE). Pure: workflow code uses it.

/**
 * Sends run on their own queue, on a worker whose activity rate is the providers' (MESSAGES_PER_SECOND):
 * a storm of thousands of sends queues politely instead of being throttled or failing.
 */
export const messagingTaskQueue = (mainTaskQueue: string): string => `${mainTaskQueue}-messaging`;

const ROUTING = '-routing';

/**
 * Leads are routed on their own queue and worker slots (roadmap 4.4 C: speed to lead): a burst of
 * journeys, cadences or sends on the main queue never stands between a new lead and its rep.
 */
export const routingTaskQueue = (mainTaskQueue: string): string => `${mainTaskQueue}${ROUTING}`;

/** The main queue of a queue derived from it (a lead's follow-up cadence runs there, not on routing's). */
export const mainTaskQueueOf = (taskQueue: string): string =>
  taskQueue.endsWith(ROUTING) ? taskQueue.slice(0, -ROUTING.length) : taskQueue;
