// The session's end reasons (types.ts) rendered for people: logs, status
// details, the SafeShutdownSequence's reason and V2gEvOutput.reason. The text is
// the one tsplc has always printed, so logs and dashboards keep reading the same;
// code that decides anything matches `end.code` instead.
import type { V2gEvEndReason } from './types.js';

export function endReasonText(end: V2gEvEndReason): string {
  switch (end.code) {
    case 'SocTargetReached':
    case 'SessionStop':
    case 'ConnectorLockFault':
    case 'ContactorsOpenedDuringCharge':
    case 'IsolationStatusAbsent':
      return end.code;
    case 'UserStop':
      return end.detail.request ? `UserStop: ${end.detail.request}` : 'UserStop';
    case 'ChargerStop':
      return 'evseStatusCode' in end.detail ? end.detail.evseStatusCode : `EVSENotification ${end.detail.notification}`;
    case 'Timeout':
      return `Timeout:${end.detail.waitingFor}`;
    case 'CurrentNotDecayed':
      return `Timeout:CurrentDecay (${end.detail.amps ?? NaN} A, limit ${end.detail.limit} A)`;
    case 'TransportClosed':
      return `TransportClosed${end.detail.reason ? `: ${end.detail.reason}` : ''}`;
    case 'DecodeError':
      return `DecodeError: ${end.detail.error.code} ${end.detail.error.message}`;
    case 'EncodeFailed':
      return `EncodeFailed: cannot encode ${end.detail.document}: ${end.detail.error.message}`;
    case 'HandshakeUndecodable':
      return `bad supportedAppProtocolRes: ${end.detail.error.message}`;
    case 'NoNegotiation':
      return 'Failed_NoNegotiation in supportedAppProtocolRes';
    case 'NoMatchingProtocol':
      return `supportedAppProtocolRes SchemaID ${end.detail.schemaId ?? 'missing'} matches no offered protocol`;
    case 'ResponseUndecodable':
      return `undecodable ${end.detail.request}Res: ${end.detail.error.code} ${end.detail.error.message}`;
    case 'UnexpectedResponse':
      return `expected ${end.detail.expected}Res, got ${end.detail.got}Res`;
    case 'ResponseCodeFailed':
      return `${end.detail.responseCode} in ${end.detail.request}Res`;
    case 'EvseStatusFault':
      return end.detail.evseStatusCode;
    case 'ServiceNotOffered':
      return end.detail.service === 'ExternalPayment' ? 'ExternalPayment not offered' : `${end.detail.service} not offered by the charger`;
    case 'IncompatibleChargeParameters':
      return `IncompatibleChargeParameters: EVSE ${end.detail.evseMinVoltage}…${end.detail.evseMaxVoltage} V, battery ${end.detail.batteryVoltage} V`;
    case 'IsolationNotValid':
      return `IsolationNotValid: ${end.detail.isolation}`;
    case 'InletVoltageImplausible':
      return `InletVoltageImplausible: EVSEPresentVoltage ${end.detail.presentVoltage} V, inlet ${end.detail.inletVoltage} V (allowed ±${end.detail.allowedDelta} V)`;
    case 'ConnectorLockLost':
      return `ConnectorLockLost: ${end.detail.state}`;
  }
}
