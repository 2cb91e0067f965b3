import { renderToStaticMarkup } from 'react-dom/server';
import { advice } from '../lib/commands';
import { Field } from './Field';
import { ProgressBar, StatusBadge } from './JobStatus';
import { Missing } from './Missing';
import { Sparkline } from './Sparkline';
import { JobProgress } from './RequestButton';
import { UnitPicture } from './UnitPicture';

describe('Missing', () => {
  it('says what is missing, what produces it and the command', () => {
    const html = renderToStaticMarkup(<Missing title="No statistics yet." advice={advice.activations('demo', 'cnn', 'v1')} />);
    expect(html).toContain('No statistics yet.');
    expect(html).toContain('npx microscope run activations demo --model cnn --version v1');
  });
  it('offers the button that requests the missing work beside the command', () => {
    const html = renderToStaticMarkup(<Missing title="No renders." advice={advice.visualize('demo', 'cnn', 'v1', 'conv1')} action={<button type="button">Render</button>} />);
    expect(html).toContain('<button type="button">Render</button>');
    expect(html).toContain('npx microscope render demo cnn@v1 conv1');
  });
});

describe('job status', () => {
  it('exposes progress to assistive technology, clamped to 0–100', () => {
    expect(renderToStaticMarkup(<ProgressBar value={0.456} status="running" label="x" />)).toContain('aria-valuenow="46"');
    expect(renderToStaticMarkup(<ProgressBar value={1.7} label="x" />)).toContain('aria-valuenow="100"');
    expect(renderToStaticMarkup(<StatusBadge status="none" />)).toContain('not run');
  });
});

describe('Field', () => {
  it('links the control to its error and hint, and marks it invalid', () => {
    const html = renderToStaticMarkup(
      <Field id="label" label="Version label" hint="Unique." error="already taken">
        {(props) => <input {...props} />}
      </Field>,
    );
    expect(html).toContain('for="label"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('aria-describedby="label-error label-hint"');
    expect(html).toContain('id="label-error"');
  });
  it('is valid and plain without an error', () => {
    const html = renderToStaticMarkup(<Field id="x" label="X">{(props) => <input {...props} />}</Field>);
    expect(html).toContain('aria-invalid="false"');
    expect(html).not.toContain('role="alert"');
  });
});

describe('Sparkline', () => {
  it('draws the histogram shape, or nothing without data', () => {
    expect(renderToStaticMarkup(<Sparkline counts={[0, 10]} width={10} height={12} />)).toContain('points="0,10 10,0"');
    expect(renderToStaticMarkup(<Sparkline counts={[]} />)).not.toContain('polyline');
  });
});

describe('JobProgress', () => {
  const job = (status: 'queued' | 'running' | 'succeeded' | 'failed', progress: number, message = '') => ({
    id: `${status}-${progress}`,
    kind: 'tuning',
    status,
    progress,
    message,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
    params: { kind: 'tuning' },
  });
  it('shows a moving job with its bar, percentage and message', () => {
    const html = renderToStaticMarkup(<JobProgress jobs={[job('running', 0.25, 'grating: 288/1152 stimuli')]} label="tuning curves of conv1" />);
    expect(html).toContain('data-job-status="running"');
    expect(html).toContain('aria-label="tuning curves of conv1 progress"');
    expect(html).toContain('25%');
    expect(html).toContain('grating: 288/1152 stimuli');
  });
  it('shows an ended job without a bar, and nothing at all without jobs', () => {
    const html = renderToStaticMarkup(<JobProgress jobs={[job('failed', 0, 'no layer "x"')]} label="x" />);
    expect(html).not.toContain('role="progressbar"');
    expect(html).toContain('no layer &quot;x&quot;');
    expect(renderToStaticMarkup(<JobProgress jobs={[]} label="x" />)).toBe('');
  });
  it('in compact form keeps the message for the tooltip only', () => {
    const html = renderToStaticMarkup(<JobProgress jobs={[job('running', 0.5, 'step 3')]} label="renders" compact />);
    expect(html).toContain('title="renders: running · step 3"');
    expect(html).not.toContain('>step 3<');
  });
});

describe('UnitPicture', () => {
  it('shows the picture through the blob route, or a placeholder that says it is not rendered', () => {
    expect(renderToStaticMarkup(<UnitPicture blobKey="renders/h/conv1/3/channel-0123456789abcdef.png" unit={3} alt="Unit 3" />)).toContain('src="/blobs/renders/h/conv1/3/channel-0123456789abcdef.png"');
    const placeholder = renderToStaticMarkup(<UnitPicture blobKey={undefined} unit={3} alt="Unit 3" />);
    expect(placeholder).toContain('aria-label="Unit 3: not rendered yet"');
    expect(placeholder).toContain('#3');
  });
});
