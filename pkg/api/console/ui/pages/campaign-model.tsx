// What the campaigns pages read from the admin API, and the small views they share.
import { Pill } from '../components.tsx';
import { t } from '../i18n/campaigns.ts';
import { formatNumber } from '../i18n.ts';

/** A template as the campaigns pages use it (a subset of the admin API's Template). */
export type CampaignTemplate = {
  id: number;
  name: string;
  channel: string;
  status: 'active' | 'paused';
  cron: string | null;
  timezone: string | null;
  updatedAt: number;
};

/** A stored crowd file (`GET /v1/admin/templates/{id}/crowd`). */
export type CrowdFile = {
  id: number;
  filename: string;
  rows: number;
  rejected: number;
  bytes: number;
  columns: string[];
  createdAt: number;
};

/** A cron run (`GET /v1/admin/crowd-runs/{id}`). */
export type CrowdRun = {
  id: number;
  templateId: number;
  runAt: number;
  status: 'running' | 'done' | 'failed';
  reason: string | null;
  rowsTotal: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  skipped: number;
  progress: number;
  startedAt: number;
  finishedAt: number | null;
};

/** A size in bytes, kB or MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${formatNumber(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A template's or run's status as a pill with a translated label. */
export function StatusPill(props: { value: CampaignTemplate['status'] | CrowdRun['status'] }) {
  return <Pill value={props.value} label={t(`status.${props.value}`)} />;
}

/**
 * A progress bar (0…1) with its value for assistive technology.
 *
 * @example <ProgressBar value={0.4} label="Upload" testId="upload-progress" />
 */
export function ProgressBar(props: { value: number; label: string; testId?: string }) {
  const pct = Math.round(Math.max(0, Math.min(1, props.value)) * 100);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-testid={props.testId}
    >
      <div style={{ width: `${pct}%` }} />
    </div>
  );
}
