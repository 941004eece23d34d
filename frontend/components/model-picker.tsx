"use client";

import { useModels } from "@/hooks/use-models";

/**
 * Which model answers in this conversation: the API's default, or one it lists (GET /models). Changing it applies to
 * the next answer.
 */
export function ModelPicker({
  value,
  disabled,
  onChange,
}: {
  /** The conversation's model; null is the API's default. */
  value: string | null;
  disabled: boolean;
  onChange: (model: string | null) => void;
}) {
  const models = useModels();
  if (!models) return null;
  // A model the conversation was set to that the API no longer lists is still shown, so the select tells the truth.
  const listed = models.data.some((model) => model.id === value);
  return (
    <select
      value={value ?? ""}
      disabled={disabled}
      onChange={(event) => onChange(event.target.value === "" ? null : event.target.value)}
      aria-label="Model"
      className="max-w-28 rounded-lg border bg-background px-2 py-1 text-xs sm:max-w-40"
      data-testid="model-picker"
    >
      <option value="">Default ({models.default})</option>
      {models.data.map((model) => (
        <option key={model.id} value={model.id}>
          {model.id}
          {model.simulated ? " (simulated)" : ""}
        </option>
      ))}
      {value !== null && !listed && <option value={value}>{value}</option>}
    </select>
  );
}
