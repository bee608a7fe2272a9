/**
 * The OCF types (provider `tandem`) that the executor may run in its
 * long-lived worker. Kept apart from the agents themselves so the executor
 * can route without loading any agent code.
 */
export const builtinAgentTypes: readonly string[] = ['App', 'Database', 'Dummy', 'Mirror', 'PhysicalVolume', 'VirtualIP'];
