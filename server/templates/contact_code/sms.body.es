SENCE: su codigo para confirmar este celular en Clave Sence es {{code}}. Vence en {{minutes}} minutos. No lo comparta con nadie.
