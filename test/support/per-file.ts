import { randomBytes } from 'node:crypto';

// Each test file gets its own key prefix so files never see each other's keys on the shared server.
process.env.TEST_KEY_PREFIX = `t${randomBytes(4).toString('hex')}`;
