/**
 * SystemdManager over the system D-Bus (dbus-next): the Manager interface of
 * org.freedesktop.systemd1 for LoadUnit/StartUnit/StopUnit/ListUnits and its
 * JobRemoved signal, and each unit's ActiveState property.
 * Not exercised by the tests on this machine, where systemd is not PID 1.
 */
import dbus from 'dbus-next';
import { logger } from '../log.js';
import { SystemdUnavailableError } from './errors.js';
import type { SystemdManager, UnitActiveState } from './systemd-manager.js';

const log = logger('executor');

const service = 'org.freedesktop.systemd1';
const managerPath = '/org/freedesktop/systemd1';
const managerInterface = 'org.freedesktop.systemd1.Manager';
const unitInterface = 'org.freedesktop.systemd1.Unit';
const propertiesInterface = 'org.freedesktop.DBus.Properties';

// dbus-next's typings declare interface members as plain Function; these
// narrow the ones used here.
type ManagerProxy = dbus.ClientInterface & {
  LoadUnit(name: string): Promise<string>;
  StartUnit(name: string, mode: string): Promise<string>;
  StopUnit(name: string, mode: string): Promise<string>;
  RestartUnit(name: string, mode: string): Promise<string>;
  ReloadUnit(name: string, mode: string): Promise<string>;
  ListUnits(): Promise<Array<[string, ...unknown[]]>>;
  Subscribe(): Promise<void>;
};
type PropertiesProxy = dbus.ClientInterface & { Get(iface: string, name: string): Promise<dbus.Variant> };

export class DbusSystemdManager implements SystemdManager {
  private managerPromise: Promise<ManagerProxy> | undefined;
  private connection: dbus.MessageBus | undefined;
  /** Rejects when the connection fails: dbus-next leaves pending calls unsettled then. */
  private connectionLost: Promise<never> | undefined;

  /** Connects lazily, on the first call, so that creating one costs nothing. */
  constructor(private readonly connect: () => dbus.MessageBus = () => dbus.systemBus()) {}

  private get bus(): dbus.MessageBus {
    if (this.connection === undefined) {
      const bus = this.connect();
      this.connectionLost = new Promise<never>((_resolve, reject) => {
        // Without a listener, a refused connection would be an uncaught 'error' event.
        bus.on('error', (error: unknown) => {
          log.debug({ err: error }, 'D-Bus connection error');
          reject(new SystemdUnavailableError(`cannot reach systemd over D-Bus: ${error instanceof Error ? error.message : String(error)}`, {}, error));
        });
      });
      this.connectionLost.catch(() => undefined); // observed through viaBus()
      this.connection = bus;
    }
    return this.connection;
  }

  /** `call`, or the connection's failure if that comes first. */
  private viaBus<T>(call: Promise<T>): Promise<T> {
    return this.connectionLost ? Promise.race([call, this.connectionLost]) : call;
  }

  private manager(): Promise<ManagerProxy> {
    this.managerPromise ??= (async () => {
      try {
        const proxy = await this.viaBus(this.bus.getProxyObject(service, managerPath));
        const manager = proxy.getInterface(managerInterface) as ManagerProxy;
        await this.viaBus(manager.Subscribe()); // JobRemoved is only sent to subscribers
        return manager;
      } catch (error) {
        this.managerPromise = undefined;
        if (error instanceof SystemdUnavailableError) throw error;
        throw new SystemdUnavailableError(`cannot reach systemd over D-Bus: ${error instanceof Error ? error.message : String(error)}`, {}, error);
      }
    })();
    return this.managerPromise;
  }

  private async unitProperty(unit: string, name: string): Promise<string> {
    const manager = await this.manager();
    const path = await this.viaBus(manager.LoadUnit(unit));
    const proxy = await this.viaBus(this.bus.getProxyObject(service, path));
    const properties = proxy.getInterface(propertiesInterface) as PropertiesProxy;
    const variant = await this.viaBus(properties.Get(unitInterface, name));
    return String(variant.value);
  }

  async unitExists(unit: string): Promise<boolean> {
    return (await this.unitProperty(unit, 'LoadState')) !== 'not-found';
  }

  async activeState(unit: string): Promise<UnitActiveState> {
    return this.unitProperty(unit, 'ActiveState');
  }

  async runJob(unit: string, verb: 'start' | 'stop' | 'restart' | 'reload'): Promise<string> {
    const manager = await this.manager();
    return new Promise<string>((resolve, reject) => {
      let jobPath: string | undefined;
      const early = new Map<string, string>();
      const onJobRemoved = (_id: number, path: string, _unit: string, result: string): void => {
        if (jobPath === undefined) early.set(path, result); // the signal may beat the method reply
        else if (path === jobPath) finish(result);
      };
      const finish = (result: string): void => {
        manager.removeListener('JobRemoved', onJobRemoved);
        resolve(result);
      };
      manager.on('JobRemoved', onJobRemoved);
      const call = { start: manager.StartUnit, stop: manager.StopUnit, restart: manager.RestartUnit, reload: manager.ReloadUnit }[verb];
      this.viaBus(call.call(manager, unit, 'replace') as Promise<string>).then((path: string) => {
        jobPath = path;
        const already = early.get(path);
        if (already !== undefined) finish(already);
      }, (error: unknown) => {
        manager.removeListener('JobRemoved', onJobRemoved);
        reject(new SystemdUnavailableError(`systemd ${verb} ${unit}: ${error instanceof Error ? error.message : String(error)}`, { unit, verb }, error));
      });
    });
  }

  async listServiceUnits(): Promise<string[]> {
    const manager = await this.manager();
    const units = await this.viaBus(manager.ListUnits());
    return units.map((row) => row[0]).filter((name) => name.endsWith('.service')).sort();
  }

  close(): void {
    this.connection?.disconnect();
    this.connection = undefined;
    this.managerPromise = undefined;
  }
}
