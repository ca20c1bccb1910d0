// Workflow ids are business keys, built and parsed in one place per process (see PROCESS_MAP.md).
export const leadWorkflowId = (leadId: string): string => `lead-${leadId}`;

export function leadIdFromWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('lead-') ? workflowId.slice('lead-'.length) : undefined;
}
