// Failure messages and stack traces carry personal data (a provider's "The 'To' number +1… is not
// valid", an address in a validation error). Temporal stores them in plain text unless the failure
// converter moves them into an encoded-attributes payload, which the payload codec then encrypts
// like any other payload. Loaded by path (`failureConverterPath`) by workers, clients and the
// workflow bundle; plain CommonJS so Node can require it without a TypeScript loader.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
