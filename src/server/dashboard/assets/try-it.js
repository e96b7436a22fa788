// The "Try it" form: built from a model version's V2 metadata (its inputs, datatypes and shapes),
// it sends a V2 infer request from the page, shows the answer and the time it took, and gives the
// same request as a curl command to copy.

const NUMERIC = new Set([
  'FP16',
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
]);

/** A shape to start from: a dynamic dimension (-1) becomes 1. */
export function exampleShape(shape) {
  return shape.map((dimension) => (dimension < 0 ? 1 : dimension));
}

/** Example data for a shape and datatype, nested as the shape says. */
export function exampleData(shape, datatype) {
  const leaf = datatype === 'BOOL' ? false : datatype === 'BYTES' ? '' : 0;
  const build = (depth) =>
    depth === shape.length ? leaf : Array.from({ length: shape[depth] }, () => build(depth + 1));
  return shape.length === 0 ? [leaf] : build(0);
}

/** Reads "2, 3" into [2, 3]; throws a message naming the input otherwise. */
export function parseShape(text, name) {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 1 && parts[0] === '') return [];
  const shape = parts.map(Number);
  if (shape.some((dimension) => !Number.isInteger(dimension) || dimension < 0))
    throw new Error(`shape of input "${name}" must be whole numbers separated by commas, got "${text}"`);
  return shape;
}

/** The V2 request body for the form's values (data as typed: nested or flat, the server accepts both). */
export function buildRequest(inputs) {
  return { inputs: inputs.map(({ name, datatype, shape, data }) => ({ name, datatype, shape, data })) };
}

/** A curl command for the same request; single quotes in the body are escaped for a POSIX shell. */
export function curlCommand(url, body) {
  const json = JSON.stringify(body).replaceAll("'", "'\\''");
  return `curl -sS -X POST '${url}' \\\n  -H 'content-type: application/json' \\\n  -d '${json}'`;
}

export function inferUrl(origin, model) {
  const version = model.version ? `/versions/${encodeURIComponent(model.version)}` : '';
  return `${origin}/v2/models/${encodeURIComponent(model.name)}${version}/infer`;
}

/** Wires the form's elements; `offer` tells it which model versions can be tried. */
export function createTryIt(elements) {
  const { select, inputs, form, response, status, latency, curl, copy } = elements;
  let current;

  async function describe(choice) {
    inputs.replaceChildren();
    response.textContent = '';
    status.textContent = '';
    latency.textContent = '';
    curl.textContent = '';
    current = undefined;
    if (!choice) return;
    const path = `/v2/models/${encodeURIComponent(choice.name)}/versions/${encodeURIComponent(choice.version)}`;
    const answer = await fetch(path);
    const metadata = await answer.json();
    if (!answer.ok) {
      status.textContent = `${answer.status} ${metadata.code ?? ''}`;
      response.textContent = metadata.error ?? JSON.stringify(metadata);
      return;
    }
    current = { choice, metadata };
    for (const input of metadata.inputs) {
      const row = document.createElement('div');
      row.className = 'input-row';
      row.dataset.input = input.name;
      const shape = exampleShape(input.shape);
      const label = document.createElement('div');
      label.innerHTML = `<strong></strong><br /><span class="muted"></span><br />`;
      label.querySelector('strong').textContent = input.name;
      label.querySelector('span').textContent = `${input.datatype} [${input.shape.join(', ')}]`;
      const shapeField = document.createElement('input');
      shapeField.name = `shape:${input.name}`;
      shapeField.value = shape.join(', ');
      shapeField.setAttribute('aria-label', `shape of ${input.name}`);
      label.append('shape ', shapeField);
      const data = document.createElement('textarea');
      data.name = `data:${input.name}`;
      data.setAttribute('aria-label', `data of ${input.name}`);
      data.value = JSON.stringify(exampleData(shape, input.datatype));
      row.append(label, data);
      inputs.append(row);
    }
    update();
  }

  /** The request as the form stands; throws a message naming the field that is wrong. */
  function request() {
    const values = current.metadata.inputs.map((input) => {
      const shape = parseShape(form.elements[`shape:${input.name}`].value, input.name);
      let data;
      try {
        data = JSON.parse(form.elements[`data:${input.name}`].value);
      } catch {
        throw new Error(`data of input "${input.name}" must be JSON, e.g. [[1, 2, 3]]`);
      }
      if (NUMERIC.has(input.datatype) && !Array.isArray(data)) data = [data];
      return { name: input.name, datatype: input.datatype, shape, data };
    });
    return buildRequest(values);
  }

  function update() {
    if (!current) return;
    try {
      curl.textContent = curlCommand(inferUrl(location.origin, current.choice), request());
    } catch (error) {
      curl.textContent = error.message;
    }
  }

  form.addEventListener('input', update);
  select.addEventListener('change', () => describe(selection(select.value)));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!current) return;
    let body;
    try {
      body = request();
    } catch (error) {
      status.textContent = 'not sent';
      response.textContent = error.message;
      return;
    }
    const started = performance.now();
    try {
      const answer = await fetch(inferUrl('', current.choice), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await answer.text();
      latency.textContent = `${(performance.now() - started).toFixed(1)} ms`;
      status.textContent = `${answer.status} ${answer.statusText}`;
      status.dataset.status = String(answer.status);
      try {
        response.textContent = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        response.textContent = text;
      }
    } catch (error) {
      status.textContent = 'no answer';
      response.textContent = error.message;
    }
  });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(curl.textContent);
      copy.textContent = 'Copied';
    } catch {
      // No clipboard (plain http on another host): select the text so Ctrl+C copies it.
      getSelection().selectAllChildren(curl);
      copy.textContent = 'Selected';
    }
    setTimeout(() => (copy.textContent = 'Copy'), 1500);
  });

  return {
    /** Offers the READY versions; keeps the current choice while it is still offered. */
    offer(choices) {
      const values = choices.map((choice) => `${choice.name}\u0000${choice.version}`);
      const existing = [...select.options].map((option) => option.value);
      if (values.join() === existing.join()) return;
      const keep = values.includes(select.value) ? select.value : values[0];
      select.replaceChildren(
        ...choices.map((choice, i) => {
          const option = document.createElement('option');
          option.value = values[i];
          option.textContent = `${choice.name} v${choice.version}`;
          return option;
        }),
      );
      if (keep !== undefined) select.value = keep;
      const chosen = selection(keep);
      if (chosen?.name !== current?.choice.name || chosen?.version !== current?.choice.version)
        void describe(chosen);
    },
  };
}

function selection(value) {
  if (!value) return undefined;
  const [name, version] = value.split('\u0000');
  return { name, version };
}
