import { createLogger } from '../../config/logger';

/** Quiet unless a test run asks for logs (TEST_LOG_LEVEL=debug). */
export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 'test');
