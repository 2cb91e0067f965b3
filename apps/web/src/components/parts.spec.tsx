import { renderToStaticMarkup } from 'react-dom/server';
import { advice } from '../lib/commands';
import { Field } from './Field';
import { ProgressBar, StatusBadge } from './JobStatus';
import { Missing } from './Missing';
import { Sparkline } from './Sparkline';

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
