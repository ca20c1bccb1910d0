// The zod that schemas shared with the OpenAPI document are built with. zod 4 gives each schema its
// methods when it is created, so `.openapi()` exists only on schemas made after the extension:
// extending here, in the module that hands out `z`, makes the order modules load in irrelevant.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);
export { z };
