/**
 * Removing evidence objects from R2, always AFTER the transaction that removed their
 * rows committed (a version, a record, a refused upload, an organization): R2 is not
 * part of the transaction, so removing objects first could lose files whose deletion
 * then rolled back. The failure mode is the other way round and is safe: if R2 fails
 * after the commit, the objects stay behind without a row, and nothing serves an object
 * without its row (/files checks the row first). Such a failure never fails the request
 * (its change is done); it is logged as `evidence_objects_orphaned` with the keys (ids
 * only) for an operator, who can remove them, or everything under the organization's
 * prefix once it is gone.
 */
import { log } from "../../lib/log";
import { orgPrefixOf } from "./files.urls";

/** R2 removes at most this many keys per call. */
const BATCH = 1000;

/**
 * Removes `keys` from `bucket`; never throws. True when every batch was removed.
 *
 * @example
 * ```ts
 * await removeObjects(c.env.EVIDENCE, deleted.rows.map((r) => r.object_key), c.env.edge.requestId);
 * ```
 */
export async function removeObjects(bucket: R2Bucket, keys: readonly string[], requestId: string): Promise<boolean> {
  let removed = true;
  for (let i = 0; i < keys.length; i += BATCH) {
    const batch = keys.slice(i, i + BATCH);
    try {
      await bucket.delete(batch);
    } catch (error) {
      removed = false;
      log.error("evidence_objects_orphaned", { request_id: requestId, keys: batch, error });
    }
  }
  return removed;
}

/**
 * Removes every object of a deleted organization (its whole prefix, P12), page by page;
 * never throws. Run after the response (`waitUntil`): an organization may have many.
 *
 * @example
 * ```ts
 * c.executionCtx.waitUntil(purgeOrganization(c.env.EVIDENCE, orgId, c.env.edge.requestId));
 * ```
 */
export async function purgeOrganization(bucket: R2Bucket, orgId: string, requestId: string): Promise<void> {
  const prefix = orgPrefixOf(orgId);
  try {
    // Each page is deleted before the next is listed, so the listing always starts again from the prefix.
    for (;;) {
      const page = await bucket.list({ prefix, limit: BATCH });
      if (page.objects.length === 0) return;
      const removed = await removeObjects(
        bucket,
        page.objects.map((o) => o.key),
        requestId,
      );
      // A page R2 refused would be listed again forever: stop (logged above).
      if (!removed || !page.truncated) return;
    }
  } catch (error) {
    log.error("evidence_objects_orphaned", { request_id: requestId, prefix, error });
  }
}
