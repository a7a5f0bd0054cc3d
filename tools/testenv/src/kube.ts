import { ApiextensionsV1Api, CoreV1Api, HttpMethod, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { Manifest } from './manifests.js';

export const FIELD_MANAGER = 'kubenova-testenv';

/**
 * KubernetesObjectApi.patch sends built-in kinds through client-node's typed model serializer,
 * which silently drops every field it knows under another name: a CRD's
 * `x-kubernetes-int-or-string` (model: `x_kubernetes_int_or_string`) vanishes and the API server
 * rejects the schema. This sends the manifest exactly as rendered.
 */
class VerbatimObjectApi extends KubernetesObjectApi {
  async serverSideApply(manifest: KubernetesObject, fieldManager: string): Promise<void> {
    const path = await this.specUriPath(manifest, 'patch');
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam('Accept', 'application/json');
    request.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    request.setQueryParam('fieldManager', fieldManager);
    request.setQueryParam('force', 'true');
    request.setBody(JSON.stringify(manifest));
    await this.requestPromise(request);
  }
}

/** The few API operations the test environment needs, on one kubeconfig. */
export class Kube {
  readonly config: KubeConfig;
  readonly objects: VerbatimObjectApi;
  readonly core: CoreV1Api;
  readonly crds: ApiextensionsV1Api;

  constructor(kubeconfigFile: string) {
    this.config = new KubeConfig();
    this.config.loadFromFile(kubeconfigFile);
    this.objects = this.config.makeApiClient(VerbatimObjectApi);
    this.core = this.config.makeApiClient(CoreV1Api);
    this.crds = this.config.makeApiClient(ApiextensionsV1Api);
  }

  /**
   * Server-side apply. With `concurrency` 1 (default) in the given order; higher values are for
   * independent objects (CRDs, Definitions), where one request at a time wastes wall time.
   */
  async apply(manifests: readonly Manifest[], concurrency = 1): Promise<void> {
    const queue = [...manifests];
    const worker = async () => {
      for (let manifest = queue.shift(); manifest; manifest = queue.shift()) {
        try {
          await this.objects.serverSideApply(manifest, FIELD_MANAGER);
        } catch (err) {
          const where = `${manifest.kind} ${manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : ''}${manifest.metadata.name}`;
          throw new Error(`applying ${where} failed: ${describeError(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  }

  async exists(apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
    try {
      await this.objects.read({ apiVersion, kind, metadata: { name, namespace } });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return false;
      throw err;
    }
  }

  async crdEstablished(name: string): Promise<boolean> {
    const crd = await this.crds.readCustomResourceDefinition({ name });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  }

  async nodeReady(name: string): Promise<boolean> {
    const node = await this.core.readNode({ name });
    return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  /** Mints a ServiceAccount token through the TokenRequest API. */
  async serviceAccountToken(namespace: string, name: string, expirationSeconds: number): Promise<string> {
    const request = await this.core.createNamespacedServiceAccountToken({
      namespace,
      name,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds } },
    });
    const token = request.status?.token;
    if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
    return token;
  }
}

/** The API server's message from a client-node error, else the error itself. */
export function describeError(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return body;
    }
  }
  if (typeof body === 'object' && body !== null && 'message' in body) return String(body.message);
  return err instanceof Error ? err.message : String(err);
}
