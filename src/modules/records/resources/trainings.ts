/** Trainings: cyber hygiene and security training (NIS2 Art. 20(2), Art. 21(2)(g)). */
import { schema } from "../../../db";
import { TRAINING_STATUSES } from "../../../db/schema";
import { declareResource } from "../declaration";
import { day, label, longText } from "../fields";

export const trainings = declareResource({
  table: schema.trainings,
  singular: "training",
  about: "Security trainings planned and held, with their due dates.",
  label: "title",
  statuses: TRAINING_STATUSES,
  fields: {
    title: label("Phishing awareness 2027"),
    description: longText("45-minute session for every employee, with a simulated campaign afterwards."),
    due_date: day("2027-02-28"),
  },
  sorts: ["due_date"],
  freeText: ["description"],
  example: { title: "Phishing awareness 2027", due_date: "2027-02-28" },
});
