// A charging station played by ocpp-rpc in strict mode: every frame each way is validated
// against the official OCPP 1.6J schemas. Driven by tests/interop/test_ocpp_rpc.py:
//   node station.js ws://host:port/ocpp IDENTITY PASSWORD
// It prints one JSON line per step on stdout; the line {"ready": ...} means the central
// system may now send its commands; "done" on stdin makes it print what it received and exit.
'use strict';

const readline = require('node:readline');
const { RPCClient } = require('ocpp-rpc');

const [endpoint, identity, password] = process.argv.slice(2);
const failures = [];
const received = [];

function say(line) {
    process.stdout.write(JSON.stringify(line) + '\n');
}

const answers = {
    ChangeAvailability: () => ({ status: 'Accepted' }),
    ChangeConfiguration: ({ key }) => ({ status: key === 'NoSuchKey' ? 'NotSupported' : 'Accepted' }),
    ClearCache: () => ({ status: 'Accepted' }),
    GetConfiguration: () => ({
        configurationKey: [
            { key: 'HeartbeatInterval', readonly: false, value: '300' },
            { key: 'NumberOfConnectors', readonly: true, value: '1' },
        ],
        unknownKey: [],
    }),
    RemoteStartTransaction: () => ({ status: 'Accepted' }),
    RemoteStopTransaction: () => ({ status: 'Accepted' }),
    Reset: () => ({ status: 'Accepted' }),
    UnlockConnector: ({ connectorId }) => ({ status: connectorId === 1 ? 'Unlocked' : 'NotSupported' }),
    UpdateFirmware: () => ({}),
    GetDiagnostics: () => ({ fileName: 'diagnostics.zip' }),
    TriggerMessage: () => ({ status: 'Accepted' }),
    SetChargingProfile: () => ({ status: 'Accepted' }),
    ClearChargingProfile: () => ({ status: 'Accepted' }),
    GetCompositeSchedule: ({ connectorId }) => ({
        status: 'Accepted',
        connectorId,
        scheduleStart: new Date().toISOString(),
        chargingSchedule: {
            chargingRateUnit: 'A',
            chargingSchedulePeriod: [{ startPeriod: 0, limit: 16.0 }],
        },
    }),
    SendLocalList: () => ({ status: 'Accepted' }),
    GetLocalListVersion: () => ({ listVersion: 1 }),
};

async function main() {
    const station = new RPCClient({
        endpoint,
        identity,
        password,
        protocols: ['ocpp1.6'],
        strictMode: true,
        reconnect: false,
        callTimeoutMs: 10000,
    });
    station.on('strictValidationFailure', (event) => {
        failures.push(String(event.error && event.error.message));
    });
    for (const [method, answer] of Object.entries(answers)) {
        station.handle(method, ({ params }) => {
            received.push(method);
            return answer(params);
        });
    }
    await station.connect();
    say({ protocol: station.protocol });

    const now = () => new Date().toISOString();
    const boot = await station.call('BootNotification', {
        chargePointVendor: 'ocpp-rpc',
        chargePointModel: 'strict',
        chargePointSerialNumber: 'RPC-1',
        firmwareVersion: '2.2.1',
    });
    say({ boot: boot.status, interval: boot.interval });
    await station.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available', timestamp: now() });
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });
    await station.call('Heartbeat', {});
    const auth = await station.call('Authorize', { idTag: 'RPCTAG01' });
    say({ authorize: auth.idTagInfo.status });
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing', timestamp: now() });
    const start = await station.call('StartTransaction', {
        connectorId: 1, idTag: 'RPCTAG01', meterStart: 10000, timestamp: now(),
    });
    say({ start: start.idTagInfo.status, transactionId: start.transactionId });
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: now() });
    await station.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [{
            timestamp: now(),
            sampledValue: [
                { value: '12500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
                { value: '11.0', measurand: 'Power.Active.Import', unit: 'kW' },
                { value: '16.0', measurand: 'Current.Import', phase: 'L1', unit: 'A' },
                { value: '16.0', measurand: 'Current.Import', phase: 'L2', unit: 'A' },
                { value: '16.0', measurand: 'Current.Import', phase: 'L3', unit: 'A' },
                { value: '57', measurand: 'SoC', unit: 'Percent', location: 'EV' },
            ],
        }],
    });
    const stop = await station.call('StopTransaction', {
        transactionId: start.transactionId,
        idTag: 'RPCTAG01',
        meterStop: 17510,
        timestamp: now(),
        reason: 'EVDisconnected',
        transactionData: [{ timestamp: now(), sampledValue: [{ value: '17510', unit: 'Wh' }] }],
    });
    say({ stop: stop.idTagInfo && stop.idTagInfo.status });
    await station.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Finishing', timestamp: now() });
    const data = await station.call('DataTransfer', { vendorId: 'com.example', messageId: 'hello', data: 'world' });
    say({ dataTransfer: data.status });
    await station.call('FirmwareStatusNotification', { status: 'Idle' });
    await station.call('DiagnosticsStatusNotification', { status: 'Idle' });
    say({ ready: true, transactionId: start.transactionId });

    const input = readline.createInterface({ input: process.stdin });
    for await (const line of input) {
        if (line.trim() === 'done') break;
    }
    say({ received, failures });
    await station.close({ code: 1000 });
}

main().catch((error) => {
    say({ error: String(error && error.stack || error), failures });
    process.exit(1);
});
