import { Type } from 'typebox';
import { Enum, Text } from './common.js';

const Identifier = Type.Object({ system: Type.Optional(Type.String()), value: Text('Identifier value', 256) });
const Reference = Type.Object({
  reference: Type.Optional(Type.String()),
  identifier: Type.Optional(Identifier),
  display: Type.Optional(Type.String()),
});
const Coding = Type.Object({ system: Type.Optional(Type.String()), code: Text('Code', 64), display: Type.Optional(Type.String()) });

/**
 * 6 record-access, 病历调阅: a health-record access event in the shape of a
 * FHIR R4 AuditEvent. FHIR resources carry many optional elements, so elements
 * not named here are allowed; the ones named are checked.
 */
export const RecordAccessPayload = Type.Object(
  {
    resourceType: Type.Literal('AuditEvent'),
    type: Coding,
    subtype: Type.Optional(Type.Array(Coding)),
    action: Type.Optional(Enum(['C', 'R', 'U', 'D', 'E'], 'create, read, update, delete, execute')),
    recorded: Type.String({ format: 'date-time', description: 'When the access happened (FHIR instant) / 调阅时间' }),
    outcome: Type.Optional(Enum(['0', '4', '8', '12'], 'success, minor, serious, major failure')),
    purposeOfEvent: Type.Optional(Type.Array(Type.Object({ coding: Type.Optional(Type.Array(Coding)), text: Type.Optional(Type.String()) }))),
    agent: Type.Array(
      Type.Object({ who: Reference, requestor: Type.Boolean(), role: Type.Optional(Type.Array(Type.Unknown())) }),
      { minItems: 1, description: 'Who accessed / 调阅人' },
    ),
    source: Type.Object({ observer: Reference, site: Type.Optional(Type.String()) }, { description: 'System that recorded the event / 记录系统' }),
    entity: Type.Optional(Type.Array(Type.Object({ what: Reference }), { description: 'What was accessed / 被调阅的记录' })),
  },
  { title: 'record-access', description: 'Health-record access, FHIR AuditEvent / 病历调阅 (FHIR AuditEvent)' },
);
