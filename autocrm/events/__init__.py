"""The event stream's consumers: listeners (declared in `listeners`), scheduled jobs (`schedule`) and the job
runner that runs both (`runner`). What emits events is `autocrm.services.events`."""
