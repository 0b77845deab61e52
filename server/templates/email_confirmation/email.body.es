Estimado(a) usuario(a):

Se creó una Clave Sence para el RUT {{rut}} con este correo electrónico. Para confirmar que el correo es suyo, abra este enlace y pulse «Confirmar mi email» (vale 10 días):
{{link}}

Mientras no lo confirme, su Clave Sence funciona, pero si la olvida solo podremos enviarle una clave provisoria si también tiene un celular registrado.

Si usted no creó esta cuenta, no abra el enlace y llámenos gratis al 800 80 10 30, de lunes a viernes de 9.00 a 18.00 horas.

Atte.
SENCE
