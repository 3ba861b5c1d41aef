// Which step a template input belongs to, so its picker lists only earlier steps.
import { createContext, useContext } from 'react';

export const StepIndexContext = createContext<number>(0);

export function useStepIndex(): number {
  return useContext(StepIndexContext);
}
