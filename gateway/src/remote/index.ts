// Remote calls between institutions through the routing network (the gateway side).
export { remotePlugin, type RemoteOptions, type RemoteHandle } from './plugin.js';
export { parseRemoteConfig, remoteSettings, type RemoteConfigFile, type RemoteSettings, type PublishedService } from './config.js';
export { AUTOMATIC_KINDS, type EvidenceToRecord, type RecordEvidence } from './evidence.js';
export { SUBJECT_HEADER } from './internal-service.js';
export { remoteRoutes, loadRemoteRoutes, type RemoteRoutesOptions } from './gateway-plugin.js';
