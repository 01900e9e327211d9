"""The pydantic models of what the API takes in and gives out, by area.

Input models forbid fields they do not know (`common.INPUT_MODEL_CONFIG`) and state their limits, so the
OpenAPI document says what is accepted. No database, web or service code here: these are shapes and rules.
"""
